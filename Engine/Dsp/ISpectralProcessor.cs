namespace RealtimeDenoise.Dsp;

/// <summary>
/// Per-frame spectral processing inside <see cref="StreamingStft"/> (and <see cref="Stft.Process"/>):
/// called once per hop with the newest analysed frame; writes the frame to synthesise.
/// With <see cref="LookaheadFrames"/> = k the frame written is the one analysed k calls earlier
/// (the processor keeps that history itself), so it can look k frames ahead; the stream latency
/// grows by k·hop. Implementations must not allocate, lock or do I/O in <see cref="ProcessFrame"/>.
/// </summary>
public interface ISpectralProcessor
{
    /// <summary>Frames of lookahead k ≥ 0; read once when the STFT is constructed.</summary>
    int LookaheadFrames { get; }

    /// <summary>
    /// Consumes frame t (n_fft/2+1 bins) and writes frame t − k. The input and output spans never overlap.
    /// Before k frames have been seen, the frames "before the start" should be written as silence (zeros)
    /// or whatever the processor makes of silence.
    /// </summary>
    void ProcessFrame(ReadOnlySpan<float> inReal, ReadOnlySpan<float> inImag, Span<float> outReal, Span<float> outImag);

    /// <summary>Forgets all history, as if newly constructed.</summary>
    void Reset();
}
