namespace RealtimeDenoise.Dsp;

/// <summary>
/// Reworks a stream's input one hop at a time for the analysis side of a <see cref="StreamingStft"/> only (a side chain):
/// what the processor estimates from, not what it filters. Called once per completed hop, in order; must not allocate,
/// lock or do I/O.
/// </summary>
public interface IHopConditioner
{
    /// <summary>Writes the conditioned version of the next <paramref name="hop"/> of input (same length).</summary>
    void Process(ReadOnlySpan<float> hop, Span<float> conditioned);

    /// <summary>Forgets the stream so far.</summary>
    void Reset();
}
