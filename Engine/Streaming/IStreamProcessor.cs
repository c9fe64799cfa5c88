namespace RealtimeDenoise.Streaming;

/// <summary>
/// A block processor for live audio and plugin hosts: mono samples at <see cref="SampleRate"/> in,
/// the same number out, delayed by exactly <see cref="LatencySamples"/>. Any block size is accepted.
/// <see cref="Process"/> does not allocate, lock or do I/O. Not thread-safe.
/// </summary>
public interface IStreamProcessor : IDisposable
{
    int SampleRate { get; }
    int LatencySamples { get; }

    /// <summary>When set, output is the input delayed by the same latency (no click when toggled).</summary>
    bool Bypass { get; set; }

    /// <summary>Processes input.Length samples into output (same length; input and output may not overlap).</summary>
    void Process(ReadOnlySpan<float> input, Span<float> output);

    /// <summary>Forgets all state, as if newly constructed.</summary>
    void Reset();
}
