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
    /// V is left in <paramref name="total"/> (for <see cref="AccumulateInverseVariances"/>), <paramref name="scratch"/> is overwritten.
    /// </summary>
    public static float LogLikelihood(ReadOnlySpan<float> power, ReadOnlySpan<float> speech, float gain, ReadOnlySpan<float> noise,
        ReadOnlySpan<float> binWeight, float floor, Span<float> total, Span<float> scratch)
    {
        TotalVariance(speech, gain, noise, floor, total);
        TensorPrimitives.Log(total, scratch);
        float logTerm = TensorPrimitives.Dot(scratch, binWeight);
        TensorPrimitives.Divide(power, total, scratch);
        return -(logTerm + TensorPrimitives.Dot(scratch, binWeight));
    }

    /// <summary>
    /// The sums of the multiplicative NMF and gain updates for one frame and one speech sample of weight a:
    /// adds a·w/V to <paramref name="inv1"/> and a·w·p/V² to <paramref name="pInv2"/> (w the <see cref="DeadBins"/>
    /// weights: dead bins take no part in the updates) and, unless <paramref name="speech"/> is empty, returns the gain
    /// update's numerator and denominator a·Σ S·w·p/V² and a·Σ S·w/V. The scratch spans are overwritten;
    /// <paramref name="total"/> may be <paramref name="scratch"/> itself.
    /// </summary>
    public static (float Num, float Den) AccumulateInverseVariances(ReadOnlySpan<float> total, ReadOnlySpan<float> speech, ReadOnlySpan<float> power,
        ReadOnlySpan<float> binWeight, float weight, Span<float> inv1, Span<float> pInv2, Span<float> scratch, Span<float> scratch2)
    {
        TensorPrimitives.Reciprocal(total, scratch);
        TensorPrimitives.Multiply(scratch, binWeight, scratch);
        TensorPrimitives.MultiplyAdd(scratch, weight, inv1, inv1);
        TensorPrimitives.Multiply(scratch, scratch, scratch2);
        TensorPrimitives.Multiply(scratch2, power, scratch2);
        TensorPrimitives.MultiplyAdd(scratch2, weight, pInv2, pInv2);
        return speech.IsEmpty ? default : (weight * TensorPrimitives.Dot(speech, scratch2), weight * TensorPrimitives.Dot(speech, scratch));
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
