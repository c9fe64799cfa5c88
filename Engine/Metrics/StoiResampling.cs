namespace RealtimeDenoise.Metrics;

/// <summary>
/// Resampling of STOI's inputs to 10 kHz: rational polyphase filtering with a Kaiser-windowed (β = 5) sinc
/// low-pass of 2·10·max(up, down) + 1 taps, cut off at the lower Nyquist frequency, zero signal outside the
/// input, output length ⌈n·up/down⌉ — the same design as <c>scipy.signal.resample_poly</c>, which the
/// reference scorer (shared/eval/metrics.py) uses, so the scores agree closely.
/// TODO(metrics): switch to Engine/Audio/Resampler once it lands on main, if its output keeps agreement
/// with metrics.py within the tested tolerance (STOI ±0.01).
/// </summary>
internal static class StoiResampling
{
    public static float[] To10kHz(ReadOnlySpan<float> signal, int sampleRate)
    {
        if (sampleRate == Stoi.SampleRate) return signal.ToArray();
        int g = Gcd(sampleRate, Stoi.SampleRate);
        return Resample(signal, Stoi.SampleRate / g, sampleRate / g);
    }

    /// <summary>y[m] = Σ_n x[n]·h[m·down + half − n·up]: upsample by zero-stuffing, filter (centred), downsample.</summary>
    internal static float[] Resample(ReadOnlySpan<float> x, int up, int down)
    {
        int maxRate = Math.Max(up, down);
        int half = 10 * maxRate;
        double[] h = LowPass(2 * half + 1, 1.0 / maxRate, up);
        int outLength = (int)(((long)x.Length * up + down - 1) / down);
        var y = new float[outLength];
        for (int m = 0; m < outLength; m++)
        {
            long centre = (long)m * down + half; // tap index for n = 0
            long first = Math.Max(0, CeilDiv(centre - 2 * half, up));
            long last = Math.Min(x.Length - 1, centre / up);
            double sum = 0;
            for (long n = first; n <= last; n++) sum += x[(int)n] * h[centre - n * up];
            y[m] = (float)sum;
        }
        return y;
    }

    /// <summary>Windowed-sinc low-pass with cut-off <paramref name="cutoff"/> (fraction of Nyquist), unit DC gain, times <paramref name="gain"/>.</summary>
    private static double[] LowPass(int taps, double cutoff, double gain)
    {
        const double beta = 5.0;
        var h = new double[taps];
        double centre = (taps - 1) / 2.0, sum = 0;
        for (int t = 0; t < taps; t++)
        {
            double m = t - centre;
            double sinc = m == 0 ? 1 : Math.Sin(Math.PI * cutoff * m) / (Math.PI * cutoff * m);
            double r = 2.0 * t / (taps - 1) - 1;
            double kaiser = BesselI0(beta * Math.Sqrt(Math.Max(0, 1 - r * r))) / BesselI0(beta);
            h[t] = cutoff * sinc * kaiser;
            sum += h[t];
        }
        for (int t = 0; t < taps; t++) h[t] *= gain / sum;
        return h;
    }

    /// <summary>Modified Bessel function of the first kind, order 0, by its power series (converges fast for the small arguments used).</summary>
    private static double BesselI0(double x)
    {
        double term = 1, sum = 1, q = x * x / 4;
        for (int k = 1; k < 100 && term > sum * 1e-17; k++)
        {
            term *= q / ((double)k * k);
            sum += term;
        }
        return sum;
    }

    private static long CeilDiv(long a, long b) => a >= 0 ? (a + b - 1) / b : -(-a / b);

    private static int Gcd(int a, int b)
    {
        while (b != 0) (a, b) = (b, a % b);
        return a;
    }
}
