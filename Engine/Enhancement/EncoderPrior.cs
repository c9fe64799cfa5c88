using RealtimeDenoise.Models;

namespace RealtimeDenoise.Enhancement;

/// <summary>
/// Default weight of the encoder's posterior in the latent prior (<see cref="NoisySpeechMath.LatentEnergy"/>).
/// An encoder trained on noisy speech (model card: training.noise_aware_encoder) points at the speech in a noisy
/// frame, so leaning on it keeps the sampler from drifting towards latents that explain the noise as speech. An
/// encoder trained on clean speech describes whatever it hears, noise included, so it only initialises the sampler.
/// </summary>
public static class EncoderPrior
{
    /// <summary>Weight used for models with a noise-aware encoder (measured on dev-test, see OfflineOptions).</summary>
    public const float NoiseAwareWeight = 0.5f;

    public static float DefaultWeight(ModelCard card) => card.Training?.NoiseAwareEncoder is not null ? NoiseAwareWeight : 0f;
}
