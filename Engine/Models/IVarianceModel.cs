namespace RealtimeDenoise.Models;

/// <summary>
/// The speech prior the enhancer queries: the VAE encoder (power spectrum → posterior of z) and
/// decoder (z → log speech variance per bin). All buffers are batch-first, row-major:
/// power[frames, Bins], mu/logVar[frames, LatentDim], z[count, LatentDim], logVariance[count, Bins].
/// Implementations do not allocate per call after the first call at a given batch size.
/// Instances are not thread-safe: use one per thread.
/// </summary>
public interface IVarianceModel : IDisposable
{
    ModelCard Card { get; }

    /// <summary>F = n_fft/2 + 1.</summary>
    int Bins { get; }

    /// <summary>L, the latent dimension.</summary>
    int LatentDim { get; }

    /// <summary>Posterior mean and log-variance of z for each power-spectrum frame (raw |x|², no transform applied by the caller).</summary>
    void Encode(ReadOnlySpan<float> power, int frames, Span<float> mu, Span<float> logVar);

    /// <summary>log σ²_f(z) for each latent vector. Values are not clamped; callers clamp to <see cref="ModelCard.LogVarianceRange"/>.</summary>
    void Decode(ReadOnlySpan<float> z, int count, Span<float> logVariance);
}
