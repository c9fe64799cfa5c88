using RealtimeDenoise.Audio;

namespace RealtimeDenoise.Engine.Tests.Enhancement;

/// <summary>Deterministic test signals and a local SI-SDR (Le Roux et al. 2019) for the enhancement tests.</summary>
internal static class TestSignals
{
    public const int SampleRate = 16000;

    /// <summary>A recording of the repository's samples/ folder, mono at <see cref="SampleRate"/>.</summary>
    public static float[] ReadSample(string name)
    {
        string dir = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(dir, "samples", name)))
            dir = Path.GetDirectoryName(dir) ?? throw new FileNotFoundException($"samples/{name} not found above the test folder.");
        return WaveFileReader.ReadMono(Path.Combine(dir, "samples", name), SampleRate);
    }

    public static float[] WhiteNoise(int samples, float rms, int seed)
    {
        var rng = new Random(seed);
        var x = new float[samples];
        for (int i = 0; i < samples; i++)
        {
            // Box–Muller
            double u1 = 1.0 - rng.NextDouble(), u2 = rng.NextDouble();
            x[i] = (float)(rms * Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
        }
        return x;
    }

    /// <summary>Harmonic "voiced" bursts (pitch 140–180 Hz, 1/h amplitudes) 300 ms on, 200 ms off: speech-like structure without a recording.</summary>
    public static float[] VoicedBursts(int samples, float peak, int seed)
    {
        var rng = new Random(seed);
        var x = new float[samples];
        double phase = 0;
        double f0 = 140 + 40 * rng.NextDouble();
        for (int i = 0; i < samples; i++)
        {
            double t = (double)i / SampleRate;
            double cycle = t % 0.5;
            double env = cycle < 0.3 ? Math.Sin(Math.PI * cycle / 0.3) : 0;
            phase += 2 * Math.PI * f0 * (1 + 0.05 * Math.Sin(2 * Math.PI * 3 * t)) / SampleRate;
            double s = 0;
            for (int h = 1; h <= 20; h++) s += Math.Sin(h * phase) / h;
            x[i] = (float)(peak * 0.5 * env * s);
        }
        return x;
    }

    /// <summary>Key-strike-like events: 3 ms of decaying white noise every <paramref name="period"/> samples.</summary>
    public static float[] Clicks(int samples, int period, float peak, int seed)
    {
        var rng = new Random(seed);
        var x = new float[samples];
        for (int start = period / 2; start < samples; start += period)
            for (int i = 0; i < 48 && start + i < samples; i++)
                x[start + i] = (float)(peak * Math.Exp(-i / 12.0) * (2 * rng.NextDouble() - 1));
        return x;
    }

    public static float[] Square(int samples, double frequency, float amplitude)
    {
        var x = new float[samples];
        for (int i = 0; i < samples; i++) x[i] = ((i * frequency / SampleRate) % 1.0) < 0.5 ? amplitude : -amplitude;
        return x;
    }

    public static float[] Add(float[] a, float[] b)
    {
        var y = new float[a.Length];
        for (int i = 0; i < a.Length; i++) y[i] = a[i] + b[i];
        return y;
    }

    public static float[] Scale(float[] a, float g) => a.Select(v => v * g).ToArray();

    public static double Energy(ReadOnlySpan<float> x)
    {
        double s = 0;
        foreach (float v in x) s += (double)v * v;
        return s;
    }

    public static double Rms(ReadOnlySpan<float> x) => x.IsEmpty ? 0 : Math.Sqrt(Energy(x) / x.Length);

    public static double MaxAbs(ReadOnlySpan<float> x)
    {
        double m = 0;
        foreach (float v in x) m = Math.Max(m, Math.Abs(v));
        return m;
    }

    public static bool AllFinite(ReadOnlySpan<float> x)
    {
        foreach (float v in x) if (!float.IsFinite(v)) return false;
        return true;
    }

    /// <summary>Scale-invariant SDR in dB of <paramref name="estimate"/> against <paramref name="reference"/> (both zero-mean-free, as in the definition).</summary>
    public static double SiSdr(ReadOnlySpan<float> reference, ReadOnlySpan<float> estimate)
    {
        double rr = 0, re = 0;
        for (int i = 0; i < reference.Length; i++)
        {
            rr += (double)reference[i] * reference[i];
            re += (double)reference[i] * estimate[i];
        }
        double alpha = re / rr, target = 0, error = 0;
        for (int i = 0; i < reference.Length; i++)
        {
            double t = alpha * reference[i];
            target += t * t;
            error += (estimate[i] - t) * (estimate[i] - t);
        }
        return 10 * Math.Log10(target / error);
    }
}
