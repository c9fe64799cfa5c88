using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using RealtimeDenoise.Dsp;
using RealtimeDenoise.IO;

namespace RealtimeDenoise.Training.Data;

/// <summary>
/// Audio files → STFT power frames with silent frames dropped, cached on disk: the cache file is named
/// by a hash of the file list (paths, sizes, modification times), the STFT geometry and the silence rule,
/// so a second run with the same inputs reads one binary file instead of decoding audio.
/// </summary>
public sealed class CorpusLoader(StftConfig stft, SilenceRule silence, MonoAudioLoader loader, Action<string>? warn = null)
{
    private const string Magic = "RTDFRM01";

    public CorpusFrames Load(IReadOnlyList<string> files, string? cacheDirectory, CancellationToken cancellationToken = default)
    {
        string? cachePath = cacheDirectory is null ? null : Path.Combine(cacheDirectory, $"frames-{CacheKey(files)}.bin");
        if (cachePath is not null && File.Exists(cachePath))
        {
            try { return ReadCache(cachePath); }
            catch (Exception e) when (e is IOException or InvalidDataException or EndOfStreamException)
            {
                warn?.Invoke($"frame cache {cachePath} unreadable ({e.Message}); rebuilding it");
            }
        }
        var corpus = Extract(files, cancellationToken);
        if (cachePath is not null) WriteCache(cachePath, corpus);
        return corpus;
    }

    private CorpusFrames Extract(IReadOnlyList<string> files, CancellationToken cancellationToken)
    {
        var transform = new Stft(stft);
        int bins = stft.Bins;
        var chunks = new List<float[]>();
        var usable = new List<(string, int, int)>();
        var skipped = new List<string>();
        long dropped = 0;
        int offset = 0;
        foreach (var file in files)
        {
            cancellationToken.ThrowIfCancellationRequested();
            float[] samples;
            try
            {
                samples = loader(file, stft.SampleRate);
            }
            catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException or NotSupportedException or ArgumentException or FormatException)
            {
                warn?.Invoke($"skipping {file}: {e.Message}");
                skipped.Add(file);
                continue;
            }
            var power = transform.Analyze(samples).Power();
            int frames = power.Length / bins;
            var keep = silence.Keep(power, frames, bins);
            dropped += frames - keep.Length;
            if (keep.Length == 0)
            {
                warn?.Invoke($"skipping {file}: no non-silent frames");
                skipped.Add(file);
                continue;
            }
            var kept = new float[keep.Length * bins];
            for (int i = 0; i < keep.Length; i++) power.AsSpan(keep[i] * bins, bins).CopyTo(kept.AsSpan(i * bins));
            chunks.Add(kept);
            usable.Add((file, offset, keep.Length));
            offset += keep.Length;
        }
        if (offset == 0)
            throw new InvalidDataException($"No usable frames: {files.Count} file(s) given, {skipped.Count} skipped, every other frame silent.");
        var all = new float[(long)offset * bins];
        long at = 0;
        foreach (var c in chunks) { c.CopyTo(all, at); at += c.Length; }
        return new CorpusFrames { Bins = bins, Files = usable, Power = all, SkippedFiles = skipped, SilentFramesDropped = dropped };
    }

    private string CacheKey(IReadOnlyList<string> files)
    {
        var text = new StringBuilder();
        text.Append(Magic).Append('\n')
            .Append($"{stft.FftSize} {stft.HopSize} {stft.SampleRate} sqrt-hann silence {silence.ThresholdDb:R}\n");
        foreach (var f in files)
        {
            var info = new FileInfo(f);
            text.Append(Path.GetFullPath(f)).Append('\t')
                .Append(info.Exists ? info.Length : -1).Append('\t')
                .Append(info.Exists ? info.LastWriteTimeUtc.Ticks : 0).Append('\n');
        }
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())))[..16].ToLowerInvariant();
    }

    private static void WriteCache(string path, CorpusFrames corpus)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        AtomicFile.Write(path, stream =>
        {
            using var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
            w.Write(Encoding.ASCII.GetBytes(Magic));
            w.Write(corpus.Bins);
            w.Write(corpus.Files.Count);
            w.Write(corpus.SkippedFiles.Count);
            w.Write(corpus.SilentFramesDropped);
            foreach (var (file, offset, count) in corpus.Files) { w.Write(file); w.Write(offset); w.Write(count); }
            foreach (var s in corpus.SkippedFiles) w.Write(s);
            w.Write((long)corpus.Power.Length);
            w.Flush();
            stream.Write(MemoryMarshal.AsBytes(corpus.Power.AsSpan()));
        });
    }

    private static CorpusFrames ReadCache(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read);
        using var r = new BinaryReader(stream, Encoding.UTF8);
        if (Encoding.ASCII.GetString(r.ReadBytes(Magic.Length)) != Magic) throw new InvalidDataException("not a frame cache");
        int bins = r.ReadInt32(), fileCount = r.ReadInt32(), skippedCount = r.ReadInt32();
        long dropped = r.ReadInt64();
        var files = new List<(string, int, int)>(fileCount);
        for (int i = 0; i < fileCount; i++) files.Add((r.ReadString(), r.ReadInt32(), r.ReadInt32()));
        var skipped = new List<string>(skippedCount);
        for (int i = 0; i < skippedCount; i++) skipped.Add(r.ReadString());
        long length = r.ReadInt64();
        if (length <= 0 || length % bins != 0 || length > int.MaxValue) throw new InvalidDataException("bad frame count");
        var power = new float[length];
        stream.ReadExactly(MemoryMarshal.AsBytes(power.AsSpan()));
        return new CorpusFrames { Bins = bins, Files = files, Power = power, SkippedFiles = skipped, SilentFramesDropped = dropped, FromCache = true };
    }
}
