namespace RealtimeDenoise.Enhancement;

/// <summary>
/// Optional backward pass of a speech model's decoder, for gradient (Langevin) updates of z:
/// <see cref="Forward"/> decodes like <c>IVarianceModel.Decode</c> and keeps what the backward pass needs;
/// <see cref="Backward"/> turns ∂J/∂log σ² of that batch into ∂J/∂z (a vector–Jacobian product).
/// A model class may implement it directly; otherwise <see cref="DenseDecoderGradient"/> builds one from the weights.
/// Not thread-safe.
/// </summary>
public interface IDecoderGradient
{
    int Bins { get; }
    int LatentDim { get; }

    /// <summary>log σ²(z) for <paramref name="count"/> latent vectors (row-major [count, LatentDim] → [count, Bins]).</summary>
    void Forward(ReadOnlySpan<float> z, int count, Span<float> logVariance);

    /// <summary>∂J/∂z [count, LatentDim] from ∂J/∂log σ² [count, Bins] at the points of the last <see cref="Forward"/>.</summary>
    void Backward(ReadOnlySpan<float> gradLogVariance, int count, Span<float> gradZ);
}
