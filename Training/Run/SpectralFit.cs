namespace RealtimeDenoise.Training.Run;

/// <summary>
/// Mean Itakura–Saito divergence IS(p ‖ σ²) = p/σ² − log(p/σ²) − 1 per time-frequency bin, the measure
/// the VAE's reconstruction term minimises. Powers are floored at <c>epsilon</c> (both for the model and the
/// baseline) so exact zeros do not make it infinite.
/// </summary>
public static class SpectralFit
{
    public static double MeanItakuraSaito(ReadOnlySpan<float> power, ReadOnlySpan<float> logVariance, double epsilon)
    {
        double sum = 0;
        for (int i = 0; i < power.Length; i++)
        {
            double p = Math.Max(power[i], epsilon);
            double ratio = p * Math.Exp(-logVariance[i]);
            sum += ratio - Math.Log(ratio) - 1;
        }
        return sum / Math.Max(1, power.Length);
    }

    /// <summary>The baseline: the same per-bin variance (the training mean power) for every frame.</summary>
    public static double MeanItakuraSaitoAgainstConstant(ReadOnlySpan<float> power, int bins, ReadOnlySpan<double> variance, double epsilon)
    {
        double sum = 0;
        for (int i = 0; i < power.Length; i++)
        {
            double p = Math.Max(power[i], epsilon);
            double ratio = p / Math.Max(variance[i % bins], epsilon);
            sum += ratio - Math.Log(ratio) - 1;
        }
        return sum / Math.Max(1, power.Length);
    }
}
