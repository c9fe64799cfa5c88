using System.Globalization;
using RealtimeDenoise.Audio;

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

    /// <summary>Reads a dev-test file (16 kHz mono) as floats in ±1.</summary>
    public static float[] ReadMono(string path)
    {
        float[] samples = WaveFileReader.ReadMono(path, out int rate);
        if (rate != 16000) throw new InvalidDataException($"{path}: {rate} Hz, dev-test files are 16 kHz.");
        return samples;
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

/// <summary>A theory that is skipped, with the reason, when shared/data/dev-test is not beside the repository.</summary>
public sealed class DevTestTheoryAttribute : TheoryAttribute
{
    public DevTestTheoryAttribute()
    {
        if (DevTestData.Directory is null)
            Skip = "shared/data (dev-test) not found above the test binary folder (expected beside the repository).";
    }
}
