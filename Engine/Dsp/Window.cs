namespace RealtimeDenoise.Dsp;

/// <summary>Analysis/synthesis windows.</summary>
public static class Window
{
    /// <summary>Periodic sqrt-Hann: sqrt(0.5 − 0.5 cos(2πn/N)), n = 0..N−1.</summary>
    public static float[] SqrtHann(int length)
    {
        var w = new float[length];
        for (int n = 0; n < length; n++)
            w[n] = (float)Math.Sqrt(0.5 - 0.5 * Math.Cos(2.0 * Math.PI * n / length));
        return w;
    }

    /// <summary>
    /// Σ_k w_a[n + k·hop]·w_s[n + k·hop]; constant in n for a COLA pair. Synthesis divides by it.
    /// </summary>
    public static float OverlapGain(ReadOnlySpan<float> analysis, ReadOnlySpan<float> synthesis, int hop)
    {
        double sum = 0;
        for (int n = 0; n < analysis.Length; n += hop) sum += (double)analysis[n] * synthesis[n];
        return (float)sum;
    }
}
