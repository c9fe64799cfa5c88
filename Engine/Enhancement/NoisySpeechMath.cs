using System.Numerics.Tensors;

namespace RealtimeDenoise.Enhancement;

/// <summary>
/// The per-frame pieces of the noisy-speech model x ~ N_c(0, g·σ²(z) + v) of ALGORITHM.md §2,
/// shared by the offline and streaming enhancers. All spans have one value per frequency bin.
/// </summary>
internal static class NoisySpeechMath
{
    /// <summary>σ² = exp(clamp(log σ², lo, hi)) / c: the decoder output brought back to the unscaled input level.</summary>
    public static void SpeechVariance(ReadOnlySpan<float> logVariance, float logMin, float logMax, float logScale, Span<float> variance)
    {
        TensorPrimitives.Clamp(logVariance, logMin, logMax, variance);
        TensorPrimitives.Subtract(variance, logScale, variance);
        TensorPrimitives.Exp(variance, variance);
    }

    /// <summary>V = max(g·S + v, floor) into <paramref name="total"/>.</summary>
    public static void TotalVariance(ReadOnlySpan<float> speech, float gain, ReadOnlySpan<float> noise, float floor, Span<float> total)
    {
        TensorPrimitives.MultiplyAdd(speech, gain, noise, total);
        TensorPrimitives.Max(total, floor, total);
    }

    /// <summary>
    /// ℓ = −Σ_f w_f·[log V_f + p_f / V_f] with V = max(g·S + v, floor) and w the bin weights of <see cref="DeadBins"/>;
    /// <paramref name="scratch"/> (and <paramref name="scratch2"/>) are overwritten.
    /// </summary>
    public static float LogLikelihood(ReadOnlySpan<float> power, ReadOnlySpan<float> speech, float gain, ReadOnlySpan<float> noise,
        ReadOnlySpan<float> binWeight, float floor, Span<float> scratch, Span<float> scratch2)
    {
        TotalVariance(speech, gain, noise, floor, scratch);
        TensorPrimitives.Divide(power, scratch, scratch2);
        TensorPrimitives.Log(scratch, scratch);
        return -(TensorPrimitives.Dot(scratch, binWeight) + TensorPrimitives.Dot(scratch2, binWeight));
    }

    /// <summary>
    /// Parametric Wiener gain w·g·S / (g·S + β·v) added to <paramref name="gainSum"/> (β = 1: the posterior-mean
    /// Wiener filter; β &gt; 1 trades speech distortion for noise reduction); <paramref name="scratch"/> is overwritten.
    /// </summary>
    public static void AccumulateWienerGain(ReadOnlySpan<float> speech, float gain, ReadOnlySpan<float> noise, float noiseWeight, float floor,
        Span<float> scratch, Span<float> gainSum, float weight = 1f)
    {
        TensorPrimitives.Multiply(noise, noiseWeight, scratch);
        TotalVariance(speech, gain, scratch, floor, scratch);
        TensorPrimitives.Divide(speech, scratch, scratch);
        TensorPrimitives.MultiplyAdd(scratch, weight * gain, gainSum, gainSum);
    }

    public static float SquaredNorm(ReadOnlySpan<float> z) => TensorPrimitives.Dot(z, z);

    /// <summary>
    /// −log of the latent prior used in inference, up to a constant: (1 − a)·½‖z‖² + a·½Σ_d π_d·(z_d − μ_d)², a
    /// geometric mix of N(0, I) and the encoder's posterior widened by ρ, with π = e^{−λ}/ρ from
    /// <see cref="PriorPrecision"/> (a = <paramref name="encoderWeight"/>). a = 0 is the plain prior of the paper.
    /// </summary>
    public static float LatentEnergy(ReadOnlySpan<float> z, ReadOnlySpan<float> mu, ReadOnlySpan<float> precision, float encoderWeight)
    {
        float energy = 0.5f * (1 - encoderWeight) * SquaredNorm(z);
        if (encoderWeight <= 0) return energy;
        float fit = 0;
        for (int d = 0; d < z.Length; d++)
        {
            float diff = z[d] - mu[d];
            fit += diff * diff * precision[d];
        }
        return energy + 0.5f * encoderWeight * fit;
    }

    /// <summary>π = e^{−λ}/ρ: the precision of the encoder term of the prior, computed once per encoder call.</summary>
    public static void PriorPrecision(ReadOnlySpan<float> logVar, float inflation, Span<float> precision)
    {
        TensorPrimitives.Negate(logVar, precision);
        TensorPrimitives.Exp(precision, precision);
        TensorPrimitives.Multiply(precision, 1f / inflation, precision);
    }

    /// <summary>Subtracts ∂<see cref="LatentEnergy"/>/∂z from <paramref name="gradient"/>.</summary>
    public static void SubtractLatentEnergyGradient(ReadOnlySpan<float> z, ReadOnlySpan<float> mu, ReadOnlySpan<float> precision, float encoderWeight, Span<float> gradient)
    {
        for (int d = 0; d < z.Length; d++)
        {
            float g = (1 - encoderWeight) * z[d];
            if (encoderWeight > 0) g += encoderWeight * (z[d] - mu[d]) * precision[d];
            gradient[d] -= g;
        }
    }
}
