namespace RealtimeDenoise.Metrics;

/// <summary>
/// Segmental SNR: the mean over frames of 10·log10(Σs² / Σ(s − ŝ)²), each frame's value clamped to
/// [<see cref="MinDb"/>, <see cref="MaxDb"/>] so that silent frames (very low SNR) and near-perfect
/// frames (very high SNR) do not dominate the mean. Frames are <see cref="FrameMs"/> ms long and do
/// not overlap; a final partial frame is dropped (a signal shorter than one frame is scored as one frame).
/// Not scale-invariant: it measures the waveform error directly, so the estimate must be aligned and
/// at the reference's level.
/// </summary>
public static class SegmentalSnr
{
    public const double FrameMs = 32.0;
    public const double MinDb = -10.0;
    public const double MaxDb = 35.0;

    /// <summary>Segmental SNR of <paramref name="estimate"/> against <paramref name="reference"/> (same length), in dB.</summary>
    /// <exception cref="ArgumentException">Lengths differ, the signals are empty, or the sample rate is not positive.</exception>
    public static double Compute(ReadOnlySpan<float> reference, ReadOnlySpan<float> estimate, int sampleRate)
    {
        if (reference.Length != estimate.Length)
            throw new ArgumentException($"Segmental SNR: reference has {reference.Length} samples, estimate {estimate.Length}; trim them to the same length first.");
        if (reference.Length == 0) throw new ArgumentException("Segmental SNR: signals are empty.");
        if (sampleRate <= 0) throw new ArgumentException($"Segmental SNR: sample rate must be positive, got {sampleRate}.", nameof(sampleRate));

        int frame = Math.Max(1, (int)Math.Round(FrameMs * sampleRate / 1000.0));
        int frames = Math.Max(1, reference.Length / frame);
        double sum = 0;
        for (int f = 0; f < frames; f++)
        {
            int start = f * frame, end = Math.Min(reference.Length, start + frame);
            double signal = 0, error = 0;
            for (int i = start; i < end; i++)
            {
                double s = reference[i], d = s - estimate[i];
                signal += s * s;
                error += d * d;
            }
            if (!double.IsFinite(signal) || !double.IsFinite(error))
                throw new ArgumentException("Segmental SNR: a signal contains NaN or infinite samples.");
            // Zero error → upper clamp; zero signal → lower clamp (the ratio's limits), without dividing by zero.
            double db = error <= 0 ? MaxDb : signal <= 0 ? MinDb : 10.0 * Math.Log10(signal / error);
            sum += Math.Clamp(db, MinDb, MaxDb);
        }
        return sum / frames;
    }
}
