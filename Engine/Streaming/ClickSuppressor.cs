using RealtimeDenoise.Dsp;
using RealtimeDenoise.Enhancement;

namespace RealtimeDenoise.Streaming;

/// <summary>
/// Time-domain gate against key strikes and clicks for a stream whose output lags its input by
/// <c>delaySamples</c>. The STFT's own latency (n_fft − 1 samples) already lets it see 24–32 ms past every output
/// sample, so clicks can be caught with no extra latency, where the spectral <see cref="TransientSuppressor"/>
/// needs 4 frames of lookahead (a click lasts a few ms but fills four 32 ms frames, too coarse to tell from an onset).
/// The input's energy is taken in blocks of <see cref="BlockSeconds"/>, and each block compared with the median of
/// ±<see cref="HalfWindowBlocks"/> blocks: a block above limit·median gets the amplitude gain (limit·median / energy)^½,
/// not below the floor; sound held over most of the window (speech, steady noise, their onsets) keeps gain 1. The gain
/// is interpolated linearly between block centres so it never steps. With crossovers, input and output are split into
/// complementary bands (<see cref="BandSplitter"/>) and each band is gated on its own, so a key strike over a voice is
/// taken out of the high band while the voice keeps the low one; with one band the input is pre-emphasised for the
/// measurement instead (clicks are broadband, voiced speech is not). Per sample O(bands), a median of 2h + 1 values
/// per band and block; no allocation after construction. Not thread-safe.
/// </summary>
public sealed class ClickSuppressor
{
    /// <summary>Energy block length (seconds); 72 samples at 16 kHz.</summary>
    public const float BlockSeconds = 0.0045f;

    /// <summary>Blocks on each side of the median's window (±22.5 ms at 16 kHz), fewer when the delay is too short.</summary>
    public const int HalfWindowBlocks = 5;

    /// <summary>Coefficient of the pre-emphasis x[n] − a·x[n−1] applied before the energy is taken.</summary>
    private const float PreEmphasis = 0.9f;

    private readonly int _block, _half, _window, _delay, _bands, _gainRows;
    private readonly float _limit, _floor;
    private readonly BandSplitter _inputBands, _outputBands;
    private readonly float[] _energy;  // per band, a ring of the last 2h + 1 block energies, by block number
    private readonly float[] _sorted;  // median scratch
    private readonly float[] _gain;    // per band, a ring of the gains of the blocks from the oldest still playing on, by block number
    private readonly float[] _accumulated, _bandValues; // per band: energy of the block so far; this sample's band values
    private long _inputSamples;        // input samples seen; sample n of the output is input sample n − delay
    private long _blocksGated;         // gains known for blocks 0 … _blocksGated − 1
    private float _previous;           // one band: the last input sample, for the pre-emphasis
    private readonly float _fadeStep;
    private float _bypassMix;          // 0: gating, 1: gain 1

    /// <param name="sampleRate">Stream sample rate.</param>
    /// <param name="delaySamples">How many samples the output lags the input (the stream's latency).</param>
    /// <param name="limitDb">How far (dB) a block's energy may rise above its window's median before it is attenuated.</param>
    /// <param name="maxAttenuationDb">Largest attenuation the gate applies (dB).</param>
    /// <param name="fadeSamples">Samples over which <see cref="Bypass"/> fades the gate out or back in.</param>
    /// <param name="crossoversHz">Crossover frequencies of the bands gated apart (see <see cref="BandSplitter"/>); null or empty: one band.</param>
    public ClickSuppressor(int sampleRate, int delaySamples, float limitDb, float maxAttenuationDb, int fadeSamples = 1, float[]? crossoversHz = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(fadeSamples);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sampleRate);
        ArgumentOutOfRangeException.ThrowIfNegative(delaySamples);
        TransientSuppressor.ValidateLimit(limitDb, nameof(limitDb));
        if (!(maxAttenuationDb >= 0)) throw new ArgumentOutOfRangeException(nameof(maxAttenuationDb), maxAttenuationDb, "Maximum attenuation must be ≥ 0 dB.");
        _block = Math.Max(1, (int)MathF.Round(BlockSeconds * sampleRate));
        // The gain of an output sample in the second half of block i interpolates towards block i + 1, whose window
        // ends with block i + 1 + h: that block must be complete when the sample leaves, (h + 1.5)·B ≤ delay + 1.
        _half = Math.Min(HalfWindowBlocks, (int)Math.Floor((delaySamples + 1.0) / _block - 1.5));
        _delay = delaySamples;
        _limit = MathF.Pow(10f, limitDb / 10f);
        _floor = MathF.Pow(10f, -maxAttenuationDb / 20f);
        _fadeStep = 1f / fadeSamples;
        _window = 2 * Math.Max(_half, 0) + 1;
        _inputBands = new BandSplitter(sampleRate, crossoversHz ?? []);
        _outputBands = new BandSplitter(sampleRate, crossoversHz ?? []);
        _bands = _inputBands.Bands;
        _energy = new float[_bands * _window];
        _sorted = new float[_window];
        // Gains are known up to about (delay + 1)/B − h blocks past the block playing; one more on each side, and slack.
        _gainRows = Math.Max(4, (delaySamples + 1) / _block - _half + 4);
        _gain = new float[_bands * _gainRows];
        _accumulated = new float[_bands];
        _bandValues = new float[_bands];
        Reset();
    }

    /// <summary>
    /// Gates a whole signal whose <paramref name="output"/> is aligned with its <paramref name="input"/> (an offline
    /// enhancer's result): the stream is given a delay that leaves it its full window, and fed zeros past the end so
    /// every output sample leaves. Allocates two small buffers.
    /// </summary>
    public static void GateWhole(ReadOnlySpan<float> input, Span<float> output, int sampleRate, float limitDb, float maxAttenuationDb, float[]? crossoversHz)
    {
        if (output.Length != input.Length)
            throw new ArgumentException($"Output length {output.Length} ≠ input length {input.Length}.", nameof(output));
        int block = Math.Max(1, (int)MathF.Round(BlockSeconds * sampleRate));
        int delay = (HalfWindowBlocks + 2) * block; // (h + 1.5)·B ≤ delay + 1 with room to spare
        var gate = new ClickSuppressor(sampleRate, delay, limitDb, maxAttenuationDb, 1, crossoversHz);
        // Time t pushes input sample t (zero past the end) and releases output sample t − delay (none before 0).
        var zeros = new float[Math.Min(delay, 4096)];
        var sink = new float[zeros.Length];
        int n = input.Length, total = n + delay;
        for (int t = 0; t < total;)
        {
            int end = total;
            if (t < n) end = Math.Min(end, n);
            if (t < delay) end = Math.Min(end, delay);
            if (t >= n || t < delay) end = Math.Min(end, t + zeros.Length);
            ReadOnlySpan<float> chunk = t < n ? input[t..end] : zeros.AsSpan(0, end - t);
            Span<float> released = t < delay ? sink.AsSpan(0, end - t) : output[(t - delay)..(end - delay)];
            gate.Process(chunk, released);
            t = end;
        }
    }

    /// <summary>Checks crossover frequencies as <see cref="BandSplitter"/> needs them, short of the sample rate: a list, each positive, finite and above the one before.</summary>
    public static void ValidateCrossovers(float[]? crossoversHz, string name)
    {
        if (crossoversHz is null) throw new ArgumentNullException(name, "Click crossovers must be a list (empty for one band).");
        for (int k = 0; k < crossoversHz.Length; k++)
        {
            float fc = crossoversHz[k];
            if (!(fc > 0 && float.IsFinite(fc)) || (k > 0 && !(fc > crossoversHz[k - 1])))
                throw new ArgumentOutOfRangeException(name, fc, "Click crossover frequencies must be positive, finite and ascending.");
        }
    }

    /// <summary>False when the delay is too short for a window of at least ±2 blocks; <see cref="Process"/> then leaves the output alone.</summary>
    public bool IsActive => _half >= 2;

    /// <summary>When set, the gain fades to 1 over the fade length given at construction (and back when cleared).</summary>
    public bool Bypass { get; set; }

    /// <summary>
    /// Takes the stream's next input samples and the output samples of the same call (output sample j of this call is
    /// the input sample that arrived <c>delaySamples</c> before input sample j) and multiplies the output by the gate's gain.
    /// </summary>
    public void Process(ReadOnlySpan<float> input, Span<float> output)
    {
        if (output.Length != input.Length)
            throw new ArgumentException($"Output length {output.Length} ≠ input length {input.Length}.", nameof(output));
        if (!IsActive) return;
        for (int j = 0; j < input.Length; j++)
        {
            Push(input[j]);
            _bypassMix = Bypass ? MathF.Min(1f, _bypassMix + _fadeStep) : MathF.Max(0f, _bypassMix - _fadeStep);
            long n = _inputSamples - 1 - _delay; // the output sample leaving now
            if (n < 0) continue;
            var at = Locate(n);
            if (_bands == 1)
            {
                float g = GainAt(at, 0);
                output[j] *= g + (1f - g) * _bypassMix;
                continue;
            }
            _outputBands.Split(output[j], _bandValues);
            float y = 0;
            for (int k = 0; k < _bands; k++)
            {
                float g = GainAt(at, k);
                y += (g + (1f - g) * _bypassMix) * _bandValues[k];
            }
            output[j] = y;
        }
    }

    /// <summary>Forgets the stream so far.</summary>
    public void Reset()
    {
        _inputSamples = 0;
        _blocksGated = 0;
        _previous = 0;
        Array.Clear(_accumulated);
        _bypassMix = Bypass ? 1f : 0f;
        Array.Clear(_energy);
        Array.Fill(_gain, 1f);
        _inputBands.Reset();
        _outputBands.Reset();
    }

    private void Push(float x)
    {
        if (_bands == 1)
        {
            float e = x - PreEmphasis * _previous;
            _previous = x;
            _accumulated[0] += e * e;
        }
        else
        {
            _inputBands.Split(x, _bandValues);
            for (int k = 0; k < _bands; k++) _accumulated[k] += _bandValues[k] * _bandValues[k];
        }
        _inputSamples++;
        if (_inputSamples % _block != 0) return;
        long block = _inputSamples / _block - 1;
        for (int k = 0; k < _bands; k++)
        {
            _energy[k * _window + (int)(block % _window)] = _accumulated[k] / _block;
            _accumulated[k] = 0;
        }
        // Block b's window ends at b + h, which just completed. Blocks before the first count as copies of it.
        long b = block - _half;
        if (b < 0) return;
        for (int k = 0; k < _bands; k++)
        {
            var energy = _energy.AsSpan(k * _window, _window);
            for (int d = -_half; d <= _half; d++) _sorted[d + _half] = energy[(int)(Math.Max(0, b + d) % _window)];
            _gain[k * _gainRows + (int)(b % _gainRows)] = Gate(energy[(int)(b % _window)]);
        }
        _blocksGated = b + 1;
    }

    /// <summary>(limit·median / energy)^½ where the energy lies above limit·median, not below the floor; else 1.</summary>
    private float Gate(float energy)
    {
        if (!(energy > 0)) return 1f;
        _sorted.AsSpan().Sort();
        return LimitGain(energy, _limit * _sorted[_half], _floor);
    }

    /// <summary>The amplitude gain that brings <paramref name="energy"/> down to <paramref name="allowed"/>, (allowed / energy)^½, not below <paramref name="floor"/>; 1 when it is not above.</summary>
    internal static float LimitGain(float energy, float allowed, float floor) =>
        energy > allowed ? MathF.Max(floor, MathF.Sqrt(allowed / energy)) : 1f;

    /// <summary>Output sample <paramref name="n"/>'s block, its nearer neighbour, and the neighbour's weight |position| (0 at the block's centre, ½ at its edge).</summary>
    private (long Block, long Other, float Weight) Locate(long n)
    {
        long i = n / _block;
        float position = (n - i * _block + 0.5f) / _block - 0.5f; // −0.5 … 0.5 from the block's centre
        return (i, position < 0 ? i - 1 : i + 1, MathF.Abs(position));
    }

    /// <summary>The gain of band <paramref name="band"/> at a located sample, linear between the centres of its block and its nearer neighbour.</summary>
    private float GainAt((long Block, long Other, float Weight) at, int band)
    {
        float g = BlockGain(at.Block, band);
        if (at.Other < 0) return g;
        return g + at.Weight * (BlockGain(at.Other, band) - g); // exactly 1 between two blocks of gain 1
    }

    private float BlockGain(long block, int band) =>
        block < _blocksGated && block >= _blocksGated - _gainRows ? _gain[band * _gainRows + (int)(block % _gainRows)] : 1f;
}
