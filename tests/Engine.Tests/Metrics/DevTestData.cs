using System.Buffers.Binary;
using System.Globalization;

namespace RealtimeDenoise.Engine.Tests.Metrics;

/// <summary>
/// Locates ../shared/data/dev-test (beside the repository, also in CI) by walking up from the test binary folder.
/// </summary>
internal static class DevTestData
{
    public static string? Directory { get; } = FindAbove(Path.Combine("shared", "data", "dev-test", "list.csv")) is { } list
        ? Path.GetDirectoryName(list)
        : null;

    /// <summary>The first existing file <paramref name="relativePath"/> under the test binary folder or one of its ancestors.</summary>
    public static string? FindAbove(string relativePath)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, relativePath);
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }

    /// <summary>
    /// Reads a 16-bit PCM mono WAV (the dev-test format) into floats scaled by 1/32768, like the reference scorer.
    /// TODO(metrics): use Engine/Audio WaveFileReader once it lands on main.
    /// </summary>
    public static float[] ReadPcm16Mono(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        int pos = 12;
        short channels = 0, bits = 0;
        while (pos + 8 <= bytes.Length)
        {
            string id = System.Text.Encoding.ASCII.GetString(bytes, pos, 4);
            int size = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(pos + 4));
            if (id == "fmt ")
            {
                channels = BinaryPrimitives.ReadInt16LittleEndian(bytes.AsSpan(pos + 10));
                bits = BinaryPrimitives.ReadInt16LittleEndian(bytes.AsSpan(pos + 22));
            }
            else if (id == "data")
            {
                if (channels != 1 || bits != 16) throw new InvalidDataException($"{path}: expected 16-bit mono, got {bits}-bit, {channels} channels.");
                var samples = new float[size / 2];
                for (int i = 0; i < samples.Length; i++)
                    samples[i] = BinaryPrimitives.ReadInt16LittleEndian(bytes.AsSpan(pos + 8 + 2 * i)) / 32768f;
                return samples;
            }
            pos += 8 + size + (size & 1);
        }
        throw new InvalidDataException($"{path}: no data chunk.");
    }

    public static double ParseDouble(string s) => double.Parse(s, NumberStyles.Float, CultureInfo.InvariantCulture);
}

/// <summary>A fact that is skipped, with the reason, when shared/data/dev-test is not beside the repository.</summary>
public sealed class DevTestFactAttribute : FactAttribute
{
    public DevTestFactAttribute()
    {
        if (DevTestData.Directory is null)
            Skip = "shared/data/dev-test not found above the test binary folder (expected beside the repository).";
    }
}
