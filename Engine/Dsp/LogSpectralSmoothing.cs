using System.Numerics.Tensors;

namespace RealtimeDenoise.Dsp;

/// <summary>
/// Geometric mean of a power spectrum over ±h bins (a moving average of its logarithm, the window cut at the edges):
/// keeps the spectral tilt and removes harmonics and formants narrower than the window. O(bins), no allocation.
/// </summary>
public static class LogSpectralSmoothing
{
    /// <summary>Power values at or below this are taken as this before the logarithm (−300 dB).</summary>
    public const float Floor = 1e-30f;

    /// <summary>
    /// Writes the smoothed <paramref name="spectrum"/> to <paramref name="output"/>; <paramref name="logScratch"/> holds
    /// the logarithms (all three the same length; <paramref name="output"/> may not overlap <paramref name="spectrum"/>).
    /// </summary>
    public static void Apply(ReadOnlySpan<float> spectrum, int halfWidth, Span<float> output, Span<float> logScratch)
    {
        int n = spectrum.Length;
        if (output.Length != n || logScratch.Length != n) throw new ArgumentException("Spectrum, output and scratch lengths differ.");
        ArgumentOutOfRangeException.ThrowIfNegative(halfWidth);
        if (n == 0) return;
        TensorPrimitives.Max(spectrum, Floor, logScratch);
        TensorPrimitives.Log(logScratch, logScratch);
        // Running sum over the window [f − h, f + h] ∩ [0, n): add the bin entering on the right, drop the one leaving on the left.
        double sum = 0;
        int right = Math.Min(n - 1, halfWidth);
        for (int j = 0; j <= right; j++) sum += logScratch[j];
        for (int f = 0; f < n; f++)
        {
            int lo = Math.Max(0, f - halfWidth), hi = Math.Min(n - 1, f + halfWidth);
            output[f] = (float)(sum / (hi - lo + 1));
            if (f + halfWidth + 1 < n) sum += logScratch[f + halfWidth + 1];
            if (f - halfWidth >= 0) sum -= logScratch[f - halfWidth];
        }
        TensorPrimitives.Exp(output, output);
    }
}
