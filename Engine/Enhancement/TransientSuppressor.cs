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
/// gain 1. It needs the frames after each frame, so it serves whole buffers (the offline
/// enhancer), not the stream without lookahead, where a speech onset cannot be told from a click.
/// Buffers grow to the largest spectrogram seen and are reused. Not thread-safe.
/// </summary>
public sealed class TransientSuppressor
{
    /// <summary>Half-width of the band each bin's power is averaged over (Hz).</summary>
    public const float BandHz = 250f;

    /// <summary>Half-width of the median's window (seconds): events shorter than about this are suppressed.</summary>
    public const float WindowSeconds = 0.032f;

    private readonly int _bins, _halfBand, _halfWindow;
    private readonly float _limit;
    private float[] _band = [];

    /// <param name="config">STFT of the spectrograms to be processed.</param>
    /// <param name="limitDb">How far (dB of power) a band may rise above its median before it is attenuated.</param>
    public TransientSuppressor(StftConfig config, float limitDb)
    {
        if (!(limitDb >= 0) || float.IsInfinity(limitDb)) throw new ArgumentOutOfRangeException(nameof(limitDb), limitDb, "Transient limit must be finite and ≥ 0 dB.");
        _bins = config.Bins;
        _halfBand = (int)MathF.Round(BandHz * config.FftSize / config.SampleRate);
        _halfWindow = Math.Max(1, (int)MathF.Round(WindowSeconds * config.SampleRate / config.HopSize));
        _limit = MathF.Pow(10f, limitDb / 10f);
    }

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

        Span<float> window = stackalloc float[2 * _halfWindow + 1];
        for (int f = 0; f < _bins; f++)
        {
            for (int n = 0; n < frames; n++)
            {
                float p = band[n * _bins + f];
                gain[n * _bins + f] = 1f;
                if (!(p > 0)) continue; // digital silence: nothing to suppress
                for (int d = -_halfWindow; d <= _halfWindow; d++)
                    window[d + _halfWindow] = band[Math.Clamp(n + d, 0, frames - 1) * _bins + f];
                window.Sort();
                float allowed = _limit * window[_halfWindow];
                if (p > allowed) gain[n * _bins + f] = allowed / p;
            }
        }
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
