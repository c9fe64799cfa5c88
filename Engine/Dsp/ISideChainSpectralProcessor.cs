namespace RealtimeDenoise.Dsp;

/// <summary>
/// A <see cref="ISpectralProcessor"/> that estimates from one signal and filters another: <see cref="StreamingStft"/>
/// with a side chain (<see cref="IHopConditioner"/>) hands it the analysed frame of the conditioned input as well as
/// the frame of the input itself. The plain <see cref="ISpectralProcessor.ProcessFrame"/> is the case where both are
/// the same. The same rules hold: no allocation, lock or I/O per frame.
/// </summary>
public interface ISideChainSpectralProcessor : ISpectralProcessor
{
    /// <summary>
    /// Consumes frame t: estimates from <paramref name="analysisReal"/>/<paramref name="analysisImag"/> and writes frame
    /// t − k of the signal <paramref name="inReal"/>/<paramref name="inImag"/>, filtered, to the output. The output spans
    /// overlap none of the inputs; the analysis and input spans may be the same memory (no side chain).
    /// </summary>
    void ProcessFrame(ReadOnlySpan<float> analysisReal, ReadOnlySpan<float> analysisImag,
        ReadOnlySpan<float> inReal, ReadOnlySpan<float> inImag, Span<float> outReal, Span<float> outImag);
}
