using RealtimeDenoise.Enhancement;

namespace RealtimeDenoise.Training.Refiner;

/// <summary>Training bins of one mixture: the refiner's inputs, the stages the output combines, the target and the loss weight.</summary>
internal sealed class RefinerSamples(int count)
{
    public int Count { get; } = count;
    /// <summary>Raw (unstandardised) inputs, row-major [Count, <see cref="MaskRefinerFeatures.Count"/>].</summary>
    public float[] Inputs { get; } = new float[count * MaskRefinerFeatures.Count];
    public float[] Final { get; } = new float[count];
    public float[] Transient { get; } = new float[count];
    /// <summary>The ideal real gain Re(S·X*)/|X|².</summary>
    public float[] Target { get; } = new float[count];
    /// <summary>Loss weight of the bin (importance-corrected; see <see cref="RefinerSampler"/>).</summary>
    public float[] Weight { get; } = new float[count];
}
