namespace RealtimeDenoise.Training.Data;

/// <summary>Drops frames whose energy Σ_f |X_f|² is more than <see cref="ThresholdDb"/> below the utterance's loudest frame.</summary>
public sealed record SilenceRule(double ThresholdDb = 60)
{
    public string Description =>
        $"frames whose energy (sum of |X|^2 over bins) is more than {ThresholdDb:0.#} dB below the loudest frame of the same file are dropped; all-zero frames are always dropped";

    /// <summary>Indices of the frames to keep.</summary>
    public int[] Keep(ReadOnlySpan<float> power, int frames, int bins)
    {
        var energy = new double[frames];
        double peak = 0;
        for (int n = 0; n < frames; n++)
        {
            double e = 0;
            foreach (var v in power.Slice(n * bins, bins)) e += v;
            energy[n] = e;
            peak = Math.Max(peak, e);
        }
        double floor = peak * Math.Pow(10, -ThresholdDb / 10);
        var keep = new List<int>(frames);
        for (int n = 0; n < frames; n++)
            if (energy[n] > 0 && energy[n] >= floor) keep.Add(n);
        return keep.ToArray();
    }
}
