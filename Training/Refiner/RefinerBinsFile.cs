using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using RealtimeDenoise.Enhancement;
using RealtimeDenoise.IO;

namespace RealtimeDenoise.Training.Refiner;

/// <summary>
/// The bins `train-refiner --bins FILE` drew, kept so that a refit (other epochs, width, learning rate) skips the
/// enhancement, which is most of the run. The file carries a fingerprint of everything the bins depend on (the audio,
/// the mixing settings, the Engine build with its embedded models, a `--model` package's files), and is read back only
/// when the fingerprint matches. Layout: magic, version, fingerprint, feature count, mixture count, then per mixture
/// its sets, each a count and the <see cref="RefinerSamples"/> arrays as little-endian float32.
/// </summary>
internal static class RefinerBinsFile
{
    private const string Magic = "RTDBINS";
    private const int Version = 1;

    /// <summary>SHA-256 (hex) over the signals, the settings that shape the draws and what produces the masks.</summary>
    public static string Fingerprint(IReadOnlyList<float[]> speech, IReadOnlyList<float[]> noises, string? modelDir, string settings)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        void Text(string s) => hash.AppendData(Encoding.UTF8.GetBytes(s + "\n"));
        Text($"features {MaskRefinerFeatures.Count}; {settings}");
        Text($"engine {typeof(OfflineEnhancer).Assembly.ManifestModule.ModuleVersionId}"); // deterministic builds: a hash of the code and the embedded models
        if (modelDir is not null)
            foreach (var file in Directory.EnumerateFiles(modelDir).Order(StringComparer.Ordinal))
            {
                Text(Path.GetFileName(file));
                hash.AppendData(File.ReadAllBytes(file));
            }
        foreach (var group in new[] { speech, noises })
        {
            Text($"signals {group.Count}");
            foreach (var x in group) hash.AppendData(MemoryMarshal.AsBytes(x.AsSpan()));
        }
        return Convert.ToHexString(hash.GetHashAndReset());
    }

    public static void Write(string path, string fingerprint, IReadOnlyList<List<RefinerSamples>> drawn)
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("The bins file is little-endian.");
        AtomicFile.Write(path, stream =>
        {
            using var writer = new BinaryWriter(new BufferedStream(stream, 1 << 20), Encoding.UTF8, leaveOpen: true);
            writer.Write(Magic);
            writer.Write(Version);
            writer.Write(fingerprint);
            writer.Write(MaskRefinerFeatures.Count);
            writer.Write(drawn.Count);
            foreach (var sets in drawn)
            {
                writer.Write(sets.Count);
                foreach (var set in sets)
                {
                    writer.Write(set.Count);
                    foreach (var array in Arrays(set)) writer.Write(MemoryMarshal.AsBytes(array.AsSpan()));
                }
            }
        });
    }

    /// <summary>The bins of <paramref name="path"/>; throws <see cref="InvalidDataException"/> when it is not a bins file or was drawn from something else.</summary>
    public static List<RefinerSamples>[] Read(string path, string fingerprint, int mixtures)
    {
        using var reader = new BinaryReader(new BufferedStream(File.OpenRead(path), 1 << 20), Encoding.UTF8);
        try
        {
            if (reader.ReadString() != Magic || reader.ReadInt32() != Version) throw new InvalidDataException($"{path} is not a train-refiner bins file of version {Version}.");
            if (reader.ReadString() != fingerprint || reader.ReadInt32() != MaskRefinerFeatures.Count || reader.ReadInt32() != mixtures)
                throw new InvalidDataException($"{path} holds bins drawn from other audio, settings or Engine build; delete it, or give --bins another path, to draw them again.");
            var drawn = new List<RefinerSamples>[mixtures];
            for (int i = 0; i < mixtures; i++)
            {
                int sets = reader.ReadInt32();
                drawn[i] = new List<RefinerSamples>(sets);
                for (int s = 0; s < sets; s++)
                {
                    int count = reader.ReadInt32();
                    if (count < 0 || count > 1 << 24) throw new InvalidDataException($"{path}: a set of {count} bins; the file is damaged.");
                    var set = new RefinerSamples(count);
                    foreach (var array in Arrays(set)) reader.BaseStream.ReadExactly(MemoryMarshal.AsBytes(array.AsSpan()));
                    drawn[i].Add(set);
                }
            }
            if (reader.BaseStream.ReadByte() != -1) throw new InvalidDataException($"{path}: data after the last mixture; the file is damaged.");
            return drawn;
        }
        catch (EndOfStreamException)
        {
            throw new InvalidDataException($"{path} ends early; the file is damaged.");
        }
    }

    private static float[][] Arrays(RefinerSamples set) => [set.Inputs, set.Final, set.Transient, set.Target, set.Weight];
}
