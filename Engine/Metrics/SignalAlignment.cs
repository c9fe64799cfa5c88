using System.Numerics.Tensors;

namespace RealtimeDenoise.Metrics;

/// <summary>
/// Finds and removes a constant delay between two signals, e.g. to check that an enhancer's output is
/// aligned with its input, or to compensate a latency before scoring.
/// </summary>
public static class SignalAlignment
{
    /// <summary>
    /// The lag L in [−maxLag, maxLag] (samples) maximising the cross-correlation Σ_n est[n + L]·ref[n]
    /// over the common length: positive when <paramref name="estimate"/> is delayed relative to
    /// <paramref name="reference"/>. Ties go to the most negative lag. Computed directly
    /// (O(n·maxLag), SIMD dot products), which is exact and fast enough for lags of tens of ms.
    /// </summary>
    public static int EstimateLag(ReadOnlySpan<float> reference, ReadOnlySpan<float> estimate, int maxLagSamples)
    {
        if (maxLagSamples < 0) throw new ArgumentOutOfRangeException(nameof(maxLagSamples), maxLagSamples, "Maximum lag must be ≥ 0.");
        int n = Math.Min(reference.Length, estimate.Length);
        if (n == 0) throw new ArgumentException("Alignment: a signal is empty.");
        reference = reference[..n];
        estimate = estimate[..n];
        int maxLag = Math.Min(maxLagSamples, n - 1);
        int best = -maxLag;
        double bestValue = double.NegativeInfinity;
        for (int lag = -maxLag; lag <= maxLag; lag++)
        {
            // est[n + lag]·ref[n] over the n where both indices are valid.
            double value = lag >= 0
                ? TensorPrimitives.Dot(estimate[lag..], reference[..(n - lag)])
                : TensorPrimitives.Dot(estimate[..(n + lag)], reference[(-lag)..]);
            if (value > bestValue)
            {
                bestValue = value;
                best = lag;
            }
        }
        return best;
    }

    /// <summary><see cref="EstimateLag(ReadOnlySpan{float}, ReadOnlySpan{float}, int)"/> with the search range given in milliseconds.</summary>
    public static int EstimateLag(ReadOnlySpan<float> reference, ReadOnlySpan<float> estimate, double maxLagMs, int sampleRate) =>
        EstimateLag(reference, estimate, (int)Math.Round(maxLagMs * sampleRate / 1000.0));

    /// <summary>
    /// Advances <paramref name="signal"/> by <paramref name="lag"/> samples (output[n] = signal[n + lag]),
    /// filling with zeros, so that a signal delayed by <paramref name="lag"/> becomes aligned. Same length as the input.
    /// </summary>
    public static float[] Shift(ReadOnlySpan<float> signal, int lag)
    {
        var output = new float[signal.Length];
        if (Math.Abs((long)lag) >= signal.Length) return output;
        if (lag >= 0) signal[lag..].CopyTo(output);
        else signal[..(signal.Length + lag)].CopyTo(output.AsSpan(-lag));
        return output;
    }
}
