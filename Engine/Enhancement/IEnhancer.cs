namespace RealtimeDenoise.Enhancement;

/// <summary>Whole-buffer enhancement: mono samples at <see cref="SampleRate"/> in, an aligned signal of the same length out.</summary>
public interface IEnhancer
{
    int SampleRate { get; }

    float[] Enhance(ReadOnlySpan<float> noisy, IProgress<double>? progress = null, CancellationToken cancellationToken = default);
}
