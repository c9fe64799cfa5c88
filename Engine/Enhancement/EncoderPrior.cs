using RealtimeDenoise.Models;

namespace RealtimeDenoise.Enhancement;

/// <summary>
/// Default weight of the encoder's posterior in the latent prior (<see cref="NoisySpeechMath.LatentEnergy"/>).
/// An encoder trained on noisy speech (model card: training.noise_aware_encoder) points at the speech in a noisy
/// frame, so leaning on it keeps the sampler from drifting towards latents that explain the noise as speech. An
/// encoder trained on clean speech describes whatever it hears, noise included, so it only initialises the sampler.
/// Measured offline on dev-test with a noise-aware encoder (SI-SDRi, all / 10 dB): weight 0: 5.11 / 3.94;
/// 0.5 with ρ = 4: 5.51 / 3.18; 1 with ρ = 4: 5.43 / 2.74; 0.5 with ρ = 16: 5.28 / 3.86; 1 with ρ = 1: 3.94 / 0.64.
/// </summary>
public static class EncoderPrior
{
    /// <summary>Weight used for models with a noise-aware encoder (measured on dev-test, see OfflineOptions).</summary>
    public const float NoiseAwareWeight = 0.5f;

    public static float DefaultWeight(ModelCard card) => card.Training?.NoiseAwareEncoder is not null ? NoiseAwareWeight : 0f;
}
