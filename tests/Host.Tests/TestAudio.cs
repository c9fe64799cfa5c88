using RealtimeDenoise.Audio;

namespace RealtimeDenoise.Host.Tests;

/// <summary>Signals and files for the host tests, generated (never copied from ../shared).</summary>
internal static class TestAudio
{
    /// <summary>Speech-like test signal: a few harmonics with a slow amplitude envelope plus a little noise.</summary>
    public static float[] Signal(int length, int rate, int seed = 1, float amplitude = 0.4f)
    {
        var rng = new Random(seed);
        var x = new float[length];
        double f0 = 120 + 40 * rng.NextDouble();
        for (int i = 0; i < length; i++)
        {
            double t = i / (double)rate;
            double env = 0.5 + 0.5 * Math.Sin(2 * Math.PI * 3 * t + seed);
            double v = 0;
            for (int h = 1; h <= 5; h++) if (h * f0 < rate / 2.5) v += Math.Sin(2 * Math.PI * h * f0 * t + h) / h;
            x[i] = (float)(amplitude * env * v / 2 + 0.01 * (rng.NextDouble() - 0.5));
        }
        return x;
    }

    public static string WriteWav(string path, WaveFormat format, int frames, int seed = 1)
    {
        var channels = new float[format.Channels][];
        for (int c = 0; c < format.Channels; c++) channels[c] = Signal(frames, format.SampleRate, seed + c);
        WaveFileWriter.WriteAll(path, channels, format, new WaveWriterOptions { Overwrite = true });
        return path;
    }

    public static string TempDir(string name)
    {
        string dir = Path.Combine(Path.GetTempPath(), $"rtd-host-{name}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        return dir;
    }

    /// <summary>SI-SDR of <paramref name="estimate"/> against <paramref name="reference"/> (dB), no alignment.</summary>
    public static double SiSdr(ReadOnlySpan<float> estimate, ReadOnlySpan<float> reference)
    {
        double dot = 0, rr = 0;
        for (int i = 0; i < reference.Length; i++) { dot += estimate[i] * (double)reference[i]; rr += reference[i] * (double)reference[i]; }
        double a = dot / Math.Max(rr, 1e-20), target = 0, err = 0;
        for (int i = 0; i < reference.Length; i++)
        {
            double s = a * reference[i], e = estimate[i] - s;
            target += s * s; err += e * e;
        }
        return 10 * Math.Log10(Math.Max(target, 1e-20) / Math.Max(err, 1e-20));
    }
}
