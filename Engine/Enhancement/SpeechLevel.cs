namespace RealtimeDenoise.Enhancement;

/// <summary>
/// Level handling of ALGORITHM.md §5: the speech model was trained at a fixed active level, so
/// the power it sees is scaled by c = (target / active level)². The mask is applied to the
/// unscaled spectrum, so nothing has to be undone at the output.
/// </summary>
public static class SpeechLevel
{
    /// <summary>Block length of the level measurement (20 ms at 16 kHz).</summary>
    private const int BlockSamples = 320;

    /// <summary>Blocks within this many dB of the loud end of the signal count as active.</summary>
    private const double ActiveRangeDb = 25.0;

    /// <summary>Power scale is limited to ±80 dB (inputs down to about −100 dBFS are brought to the training level).</summary>
    public const double MaxScaleDb = 80.0;

    /// <summary>
    /// Active level in dBFS (RMS re full scale 1.0): the mean power of the 20 ms blocks lying within
    /// 25 dB of the 95th-percentile block. Returns −∞ for digital silence.
    /// </summary>
    public static double ActiveLevelDbfs(ReadOnlySpan<float> signal)
    {
        int blocks = signal.Length / BlockSamples;
        if (blocks == 0)
        {
            double e = MeanSquare(signal);
            return e > 0 ? 10 * Math.Log10(e) : double.NegativeInfinity;
        }
        var energies = new double[blocks];
        for (int b = 0; b < blocks; b++) energies[b] = MeanSquare(signal.Slice(b * BlockSamples, BlockSamples));
        var sorted = (double[])energies.Clone();
        Array.Sort(sorted);
        double loud = sorted[Math.Min(blocks - 1, (int)(0.95 * blocks))];
        if (loud <= 0) return double.NegativeInfinity;
        double threshold = loud * Math.Pow(10, -ActiveRangeDb / 10);
        double sum = 0;
        int count = 0;
        foreach (double e in energies)
        {
            if (e < threshold) continue;
            sum += e;
            count++;
        }
        return 10 * Math.Log10(sum / count);
    }

    /// <summary>Power scale c that brings a signal at <paramref name="levelDbfs"/> to <paramref name="targetDbfs"/>, limited to ±<see cref="MaxScaleDb"/>.</summary>
    public static float PowerScale(double levelDbfs, double targetDbfs)
    {
        if (double.IsNegativeInfinity(levelDbfs) || double.IsNaN(levelDbfs)) return 1f;
        double db = Math.Clamp(targetDbfs - levelDbfs, -MaxScaleDb, MaxScaleDb);
        return (float)Math.Pow(10, db / 10);
    }

    private static double MeanSquare(ReadOnlySpan<float> x)
    {
        if (x.IsEmpty) return 0;
        double s = 0;
        foreach (float v in x) s += (double)v * v;
        return s / x.Length;
    }
}
