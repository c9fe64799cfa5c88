namespace RealtimeDenoise.Engine.Tests.Metrics;

/// <summary>Deterministic test signals for intelligibility metrics.</summary>
internal static class SpeechLikeSignal
{
    /// <summary>
    /// A harmonic complex (120 Hz fundamental, harmonics to 4 kHz with a falling spectrum) whose
    /// harmonics are amplitude-modulated at syllable rates (3–6 Hz, different phases per harmonic), with
    /// short pauses: spectro-temporal envelopes that vary like speech, which is what STOI measures.
    /// </summary>
    public static float[] Create(double seconds, int sampleRate, int seed = 11)
    {
        var rng = new Random(seed);
        int n = (int)(seconds * sampleRate);
        var x = new double[n];
        const double f0 = 120;
        for (int h = 1; f0 * h < 4000; h++)
        {
            double rate = 3 + 3 * rng.NextDouble(), phase = 2 * Math.PI * rng.NextDouble(), amp = 1.0 / h;
            for (int i = 0; i < n; i++)
            {
                double t = (double)i / sampleRate;
                double envelope = Math.Max(0, Math.Sin(2 * Math.PI * rate * t + phase));
                x[i] += amp * envelope * Math.Sin(2 * Math.PI * f0 * h * t + h);
            }
        }
        double peak = x.Max(Math.Abs);
        return x.Select(v => (float)(0.5 * v / peak)).ToArray();
    }

    /// <summary>Gaussian white noise scaled so that 10·log10(‖signal‖²/‖noise‖²) = <paramref name="snrDb"/>.</summary>
    public static float[] WhiteNoiseAt(float[] signal, double snrDb, int seed)
    {
        var rng = new Random(seed);
        var noise = new double[signal.Length];
        for (int i = 0; i < noise.Length; i++)
            noise[i] = Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
        double ps = signal.Sum(v => (double)v * v), pn = noise.Sum(v => v * v);
        double gain = Math.Sqrt(ps / pn / Math.Pow(10, snrDb / 10));
        return noise.Select(v => (float)(v * gain)).ToArray();
    }

    public static float[] Add(float[] a, float[] b) => a.Select((v, i) => v + b[i]).ToArray();
}
