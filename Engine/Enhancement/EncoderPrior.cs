using RealtimeDenoise.Models;

namespace RealtimeDenoise.Enhancement;

/// <summary>
/// Default weight of the encoder's posterior in the latent prior (<see cref="NoisySpeechMath.LatentEnergy"/>): 0, the
/// plain N(0, I) of the paper, for every model; the encoder only initialises the sampler and the candidates.
/// A noise-aware encoder (model card: training.noise_aware_encoder) once had weight 0.5 (ρ = 4): with the EM alone it
/// measured 5.51 dB SI-SDRi on dev-test against 5.11 at weight 0. With the streaming passes, the noise seed and the
/// minimum-statistics floor (the offline default since), weight 0 measures better (SI-SDRi dB, dev-test / tuneset /
/// the repository sample with white noise at 5 dB): offline 5.66 / 5.70 / 10.22 against 5.60 / 5.53 / 7.16 at 0.5
/// (0.25: 5.67 / 5.65 / 8.09); streaming 4.98 / 4.93 / 10.67 against 4.92 / 4.89 / 8.07. The prior pulled the sampler
/// to the encoder's coarse one-frame estimate, worst on steady broadband noise and at high SNR.
/// </summary>
public static class EncoderPrior
{
    /// <summary>Weight measured best for models with a noise-aware encoder (see above); the same as every other model's.</summary>
    public const float NoiseAwareWeight = 0f;

    /// <summary>The weight for <paramref name="card"/>'s model: 0 for every model today, noise-aware ones included.</summary>
    public static float DefaultWeight(ModelCard card)
    {
        ArgumentNullException.ThrowIfNull(card);
        return NoiseAwareWeight;
    }
}
