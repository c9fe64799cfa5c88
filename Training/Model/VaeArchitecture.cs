using RealtimeDenoise.Models;

namespace RealtimeDenoise.Training.Model;

/// <summary>Sizes of the VAE: encoder F → H (×HiddenLayers) → μ, log-variance (L each); decoder L → H (×HiddenLayers) → F.</summary>
public sealed record VaeArchitecture(int Bins, int Hidden = 128, int Latent = 16, int HiddenLayers = 1, Activation Activation = Activation.Tanh)
{
    public void Validate()
    {
        if (Bins < 2) throw new ArgumentException($"Bins must be at least 2, got {Bins}.");
        if (Hidden < 1 || Latent < 1 || HiddenLayers < 1) throw new ArgumentException($"Hidden ({Hidden}), latent ({Latent}) and layer count ({HiddenLayers}) must be positive.");
        if (Activation is not (Activation.Tanh or Activation.Relu)) throw new ArgumentException($"Activation must be tanh or relu, got {Activation}.");
    }
}
