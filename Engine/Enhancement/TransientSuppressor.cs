using System.Numerics.Tensors;
using RealtimeDenoise.Dsp;

namespace RealtimeDenoise.Enhancement;

/// <summary>
/// Gain against short events that stand out of their surroundings in time: key and typewriter strikes, clinks,
/// clicks. The speech model judges one frame at a time, so a click looks to it like a plosive and it passes the click
/// (measured on dev-test typewriter frames without speech: mask 0.95–0.99). Here each bin's power is averaged over
/// ±<see cref="BandHz"/> (a harmonic gliding across bins is then not an event) and compared with its own median over
/// ±<see cref="WindowSeconds"/>; where it lies above limit·median the amplitude gain is limit·median / power, so a band
/// L dB above the limit comes out L dB below it. Sound held over most of the window (vowels, steady noise) keeps
/// gain 1. It needs the frames after each frame: whole buffers (<see cref="ComputeGain"/>, the offline enhancer) or a
/// stream with at least <see cref="HalfWindowFrames"/> frames of lookahead (<see cref="Push"/>); without lookahead a
/// speech onset cannot be told from a click at this frame rate (such streams use <see cref="Streaming.ClickSuppressor"/>).
/// Buffers are reused (the whole-buffer one grows to the largest spectrogram seen). Not thread-safe.
/// </summary>
public sealed class TransientSuppressor
{
    /// <summary>Half-width of the band each bin's power is averaged over (Hz).</summary>
    public const float BandHz = 250f;

    /// <summary>Half-width of the median's window (seconds): events shorter than about this are suppressed.</summary>
    public const float WindowSeconds = 0.032f;

    private readonly int _bins, _halfBand, _halfWindow, _windowFrames;
    private readonly float _limit;
    private readonly float[] _ring; // band power of the last 2h + 1 frames pushed, for the online form
    private float[] _band = [];
    private long _pushed;

    /// <param name="config">STFT of the spectrograms to be processed.</param>
    /// <param name="limitDb">How far (dB of power) a band may rise above its median before it is attenuated.</param>
    public TransientSuppressor(StftConfig config, float limitDb)
    {
        ValidateLimit(limitDb, nameof(limitDb));
        _bins = config.Bins;
        _halfBand = (int)MathF.Round(BandHz * config.FftSize / config.SampleRate);
        _halfWindow = Math.Max(1, (int)MathF.Round(WindowSeconds * config.SampleRate / config.HopSize));
        _windowFrames = 2 * _halfWindow + 1;
        _limit = MathF.Pow(10f, limitDb / 10f);
        _ring = new float[_windowFrames * _bins];
    }

    /// <summary>Throws unless <paramref name="limitDb"/> is a finite limit ≥ 0 dB; the options' checks call it too.</summary>
    internal static void ValidateLimit(float limitDb, string paramName)
    {
        if (!(limitDb >= 0) || float.IsInfinity(limitDb))
            throw new ArgumentOutOfRangeException(paramName, limitDb, "Transient limit must be finite and ≥ 0 dB (null for none in the options).");
    }

    /// <summary>h, the median window's half-width in frames: the online form's gains come h frames late.</summary>
    public int HalfWindowFrames => _halfWindow;

    /// <summary>
    /// Writes the transient gain (frames × bins, frame-major, in [0, 1]) for <paramref name="power"/> = |X|² of those
    /// frames into <paramref name="gain"/>. Frames beyond either end count as copies of the end frames.
    /// </summary>
    public void ComputeGain(ReadOnlySpan<float> power, int frames, Span<float> gain)
    {
        int nf = frames * _bins;
        if (power.Length < nf || gain.Length < nf) throw new ArgumentException($"Need {nf} values of power and gain for {frames} frames.");
        if (_band.Length < nf) _band = new float[nf];
        var band = _band.AsSpan(0, nf);
        for (int n = 0; n < frames; n++) AverageOverBand(power.Slice(n * _bins, _bins), band.Slice(n * _bins, _bins));

        Span<float> window = stackalloc float[_windowFrames];
        for (int f = 0; f < _bins; f++)
            for (int n = 0; n < frames; n++)
            {
                for (int d = -_halfWindow; d <= _halfWindow; d++)
                    window[d + _halfWindow] = band[Math.Clamp(n + d, 0, frames - 1) * _bins + f];
                gain[n * _bins + f] = Gain(band[n * _bins + f], window);
            }
    }

    /// <summary>
    /// Online form: takes the power of the next frame t and writes into <paramref name="gain"/> the gain of frame
    /// t − h (<see cref="HalfWindowFrames"/>), 1 while t &lt; h. Frames before the first count as copies of it, so the
    /// gains equal <see cref="ComputeGain"/>'s for every frame at least h frames before the end. Does not allocate.
    /// </summary>
    public void Push(ReadOnlySpan<float> power, Span<float> gain)
    {
        long t = _pushed++;
        AverageOverBand(power[.._bins], _ring.AsSpan((int)(t % _windowFrames) * _bins, _bins));
        var outGain = gain[.._bins];
        long centre = t - _halfWindow;
        if (centre < 0) { outGain.Fill(1f); return; }
        Span<float> window = stackalloc float[_windowFrames];
        Span<int> rowStart = stackalloc int[_windowFrames]; // ring offset of frame t − d (frame 0 for those before it)
        for (int d = 0; d < _windowFrames; d++) rowStart[d] = (int)(Math.Max(0, t - d) % _windowFrames) * _bins;
        int centreStart = (int)(centre % _windowFrames) * _bins;
        for (int f = 0; f < _bins; f++)
        {
            for (int d = 0; d < _windowFrames; d++) window[d] = _ring[rowStart[d] + f];
            outGain[f] = Gain(_ring[centreStart + f], window);
        }
    }

    /// <summary>Forgets the frames pushed so far (a new stream starts).</summary>
    public void Reset()
    {
        _pushed = 0;
        Array.Clear(_ring);
    }

    /// <summary>limit·median / p where the band power p lies above limit·median of <paramref name="window"/>, else 1 (sorts the window).</summary>
    private float Gain(float p, Span<float> window)
    {
        if (!(p > 0)) return 1f; // digital silence: nothing to suppress
        window.Sort();
        float allowed = _limit * window[_halfWindow];
        return p > allowed ? allowed / p : 1f;
    }

    /// <summary>Mean of <paramref name="row"/> over ±half-band bins around each bin (fewer at the edges).</summary>
    private void AverageOverBand(ReadOnlySpan<float> row, Span<float> averaged)
    {
        for (int f = 0; f < _bins; f++)
        {
            int lo = Math.Max(0, f - _halfBand), hi = Math.Min(_bins - 1, f + _halfBand);
            averaged[f] = TensorPrimitives.Sum(row[lo..(hi + 1)]) / (hi - lo + 1);
        }
    }
}
