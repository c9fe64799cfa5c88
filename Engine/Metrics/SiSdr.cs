namespace RealtimeDenoise.Metrics;

/// <summary>
/// Scale-invariant signal-to-distortion ratio (Le Roux, Wisdom, Erdogan, Hershey, ICASSP 2019).
/// Both signals are made zero-mean; the reference is scaled by the optimal α = ⟨ŝ, s⟩/‖s‖², and
/// SI-SDR = 10·log10(‖αs‖² / ‖ŝ − αs‖²) in dB. Sums are accumulated in double precision.
/// </summary>
public static class SiSdr
{
    /// <summary>
    /// SI-SDR of <paramref name="estimate"/> against <paramref name="reference"/> (same length).
    /// Returns +∞ when the estimate is a scaled copy of the reference up to rounding (distortion below 1e-13 of the
    /// estimate's energy, i.e. above about 130 dB, beyond what float samples can resolve) and −∞ when it is
    /// orthogonal to it (no target component).
    /// </summary>
    /// <exception cref="ArgumentException">Lengths differ, the signals are empty, or the reference is all zeros (after removing its mean).</exception>
    public static double Compute(ReadOnlySpan<float> reference, ReadOnlySpan<float> estimate)
    {
        if (reference.Length != estimate.Length)
            throw new ArgumentException($"SI-SDR: reference has {reference.Length} samples, estimate {estimate.Length}; trim them to the same length first.");
        if (reference.Length == 0) throw new ArgumentException("SI-SDR: signals are empty.");

        double meanRef = Mean(reference), meanEst = Mean(estimate);
        double rr = 0, re = 0, ee = 0;
        for (int i = 0; i < reference.Length; i++)
        {
            double r = reference[i] - meanRef, e = estimate[i] - meanEst;
            rr += r * r;
            re += r * e;
            ee += e * e;
        }
        if (!(rr > 0)) throw new ArgumentException("SI-SDR: the reference is all zeros (or constant), so the ratio is undefined.");
        if (!double.IsFinite(rr) || !double.IsFinite(ee)) throw new ArgumentException("SI-SDR: a signal contains NaN or infinite samples.");

        // ‖αs‖² = re²/rr and ‖ŝ − αs‖² = ee − re²/rr (Pythagoras), so no second pass is needed.
        double target = re * re / rr;
        double distortion = ee - target;
        // Cancellation leaves a tiny residue for an exact copy; treat anything at rounding level as zero.
        if (distortion <= ee * 1e-13) return double.PositiveInfinity;
        if (target <= 0) return double.NegativeInfinity;
        return 10.0 * Math.Log10(target / distortion);
    }

    /// <summary>
    /// SI-SDR improvement: SI-SDR(enhanced) − SI-SDR(noisy), both against <paramref name="clean"/>.
    /// Positive when the enhancer moved the signal closer to the clean speech.
    /// </summary>
    public static double Improvement(ReadOnlySpan<float> clean, ReadOnlySpan<float> enhanced, ReadOnlySpan<float> noisy) =>
        Compute(clean, enhanced) - Compute(clean, noisy);

    private static double Mean(ReadOnlySpan<float> x)
    {
        double sum = 0;
        foreach (float v in x) sum += v;
        return sum / x.Length;
    }
}
