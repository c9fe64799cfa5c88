namespace RealtimeDenoise.Dsp;

/// <summary>
/// Frame geometry of the short-time Fourier transform shared by training, enhancement and the hosts.
/// The analysis and synthesis windows are both periodic sqrt-Hann, so their product is a Hann window
/// and overlap-add reconstructs perfectly for any hop that divides <see cref="FftSize"/>/2.
/// </summary>
public readonly record struct StftConfig(int FftSize, int HopSize, int SampleRate)
{
    /// <summary>The streaming default: 16 kHz, 512-point frames (32 ms), 128-sample hop (8 ms).</summary>
    public static StftConfig Default => new(512, 128, 16000);

    /// <summary>Number of non-negative frequency bins, F = n_fft/2 + 1.</summary>
    public int Bins => FftSize / 2 + 1;

    /// <summary>
    /// Algorithmic latency of <see cref="StreamingStft"/> without lookahead, in samples: n_fft − 1.
    /// The last frame covering a sample ends up to n_fft − 1 samples after it, and a stream that returns one
    /// sample per sample received (any block size, down to 1) must wait for that frame. (n_fft − hop is only
    /// reached by the last sample of each hop.) A processor with k frames of lookahead adds k·hop.
    /// </summary>
    public int LatencySamples => FftSize - 1;

    /// <summary>Throws a clear error when the geometry cannot reconstruct perfectly.</summary>
    public void Validate()
    {
        if (FftSize < 16 || FftSize > 1 << 16 || (FftSize & (FftSize - 1)) != 0)
            throw new ArgumentException($"FFT size must be a power of two between 16 and 65536, got {FftSize}.");
        if (HopSize <= 0 || HopSize > FftSize / 2 || FftSize % HopSize != 0)
            throw new ArgumentException($"Hop size must divide the FFT size and be at most half of it, got hop {HopSize} for n_fft {FftSize}.");
        if (SampleRate <= 0)
            throw new ArgumentException($"Sample rate must be positive, got {SampleRate}.");
    }
}
