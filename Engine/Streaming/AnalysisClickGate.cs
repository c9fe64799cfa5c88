using RealtimeDenoise.Dsp;
using RealtimeDenoise.Enhancement;

namespace RealtimeDenoise.Streaming;

/// <summary>
/// A causal click gate for what the streaming enhancer's speech and noise models see, not for what is heard (an
/// <see cref="IHopConditioner"/> for <see cref="StreamingStft"/>'s side chain). One frame of a key strike looks to the
/// speech model like a plosive, so the mask opens for it and passes the noise around it; the output's
/// <see cref="ClickSuppressor"/> turns the click itself down but cannot close that mask. Here the input is split into
/// bands (<see cref="BandSplitter"/>) and, in every band but the lowest (where voiced speech has most of its energy),
/// a block whose energy lies more than the limit above the median of itself and the blocks before it is turned down
/// to that level. Only past blocks are known when a frame is analysed, so a speech onset above 2 kHz is turned down
/// too, but only in what the models see, and only until its own blocks fill the median. Blocks are half a hop, so
/// every block of a frame is complete when the frame is analysed. O(bands) per sample; no allocation after construction.
/// </summary>
public sealed class AnalysisClickGate : IHopConditioner
{
    /// <summary>Blocks before the current one in its median (10: 40 ms at 16 kHz and hop 128).</summary>
    public const int PastBlocks = 10;

    /// <summary>
    /// Largest attenuation (dB). Deeper than the output's floor: nothing gated here is heard, and a strike 30 dB above
    /// the noise should not still look like speech.
    /// </summary>
    public const float MaxAttenuationDb = 30f;

    private readonly int _block, _bands;
    private readonly float _limit, _floor;
    private readonly BandSplitter _splitter;
    private readonly float[] _values;   // this sample's band values
    private readonly float[] _blockBands; // the block's band values, band-major
    private readonly float[] _energy;   // per band, a ring of the last PastBlocks + 1 block energies
    private readonly float[] _sorted;   // median scratch
    private readonly long[] _recorded;  // per band, blocks recorded in the ring so far

    /// <summary>
    /// Blocks whose mean square in a band lies below this (−120 dBFS: digital silence, a dropout, a band the source does not
    /// reach) pass that band unchanged and are not recorded: a median of silence would gate everything that follows it.
    /// </summary>
    private const float SilenceMeanSquare = 1e-12f;

    /// <param name="sampleRate">Stream sample rate.</param>
    /// <param name="blockSamples">Block length; the hops passed to <see cref="Process"/> must be whole numbers of blocks.</param>
    /// <param name="limitDb">How far (dB) a block's energy may rise above the median before it is turned down.</param>
    /// <param name="crossoversHz">Band crossovers (see <see cref="BandSplitter"/>); the band below the first is never gated. Empty: one band, gated.</param>
    public AnalysisClickGate(int sampleRate, int blockSamples, float limitDb, float[] crossoversHz)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(blockSamples);
        TransientSuppressor.ValidateLimit(limitDb, nameof(limitDb));
        ClickSuppressor.ValidateCrossovers(crossoversHz, nameof(crossoversHz));
        _splitter = new BandSplitter(sampleRate, crossoversHz);
        _bands = _splitter.Bands;
        _block = blockSamples;
        _limit = MathF.Pow(10f, limitDb / 10f);
        _floor = MathF.Pow(10f, -MaxAttenuationDb / 20f);
        _values = new float[_bands];
        _blockBands = new float[_bands * blockSamples];
        _energy = new float[_bands * (PastBlocks + 1)];
        _sorted = new float[PastBlocks + 1];
        _recorded = new long[_bands];
    }

    /// <summary>
    /// Gates a whole signal at once, forwards in time as a stream would be (the offline enhancer's streaming passes analyse
    /// this); a tail shorter than a block is copied unchanged.
    /// </summary>
    public static float[] GateWhole(ReadOnlySpan<float> signal, int sampleRate, int blockSamples, float limitDb, float[] crossoversHz)
    {
        var gate = new AnalysisClickGate(sampleRate, blockSamples, limitDb, crossoversHz);
        var gated = new float[signal.Length];
        int whole = signal.Length / blockSamples * blockSamples;
        gate.Process(signal[..whole], gated.AsSpan(0, whole));
        signal[whole..].CopyTo(gated.AsSpan(whole));
        return gated;
    }

    /// <summary>Blocks of half a hop (a whole hop when it is odd): every block of a frame is complete when the frame is analysed.</summary>
    public static int BlockFor(int hopSize) => hopSize % 2 == 0 ? hopSize / 2 : hopSize;

    /// <summary>Samples per block.</summary>
    public int BlockSamples => _block;

    public void Process(ReadOnlySpan<float> hop, Span<float> conditioned)
    {
        if (hop.Length % _block != 0 || conditioned.Length != hop.Length)
            throw new ArgumentException($"Hops must be whole blocks of {_block} samples, in and out alike (got {hop.Length} and {conditioned.Length}).");
        for (int start = 0; start < hop.Length; start += _block)
        {
            for (int i = 0; i < _block; i++)
            {
                _splitter.Split(hop[start + i], _values);
                for (int k = 0; k < _bands; k++) _blockBands[k * _block + i] = _values[k];
            }
            var output = conditioned.Slice(start, _block);
            output.Clear();
            for (int k = 0; k < _bands; k++)
            {
                var band = _blockBands.AsSpan(k * _block, _block);
                float gain = k == 0 && _bands > 1 ? 1f : Gain(k, band);
                for (int i = 0; i < _block; i++) output[i] += gain * band[i];
            }
        }
    }

    public void Reset()
    {
        _splitter.Reset();
        Array.Clear(_energy);
        Array.Clear(_recorded);
    }

    /// <summary>Records the band's block energy and returns (limit·median / energy)^½ where it lies above limit·median, not below the floor; else 1.</summary>
    private float Gain(int band, ReadOnlySpan<float> values)
    {
        float energy = 0;
        foreach (float v in values) energy += v * v;
        energy /= _block;
        if (!(energy >= SilenceMeanSquare)) return 1f; // NaN too
        var ring = _energy.AsSpan(band * (PastBlocks + 1), PastBlocks + 1);
        long recorded = _recorded[band]++;
        if (recorded == 0) ring.Fill(energy); // blocks before the first count as copies of it
        else ring[(int)(recorded % ring.Length)] = energy;
        ring.CopyTo(_sorted);
        _sorted.AsSpan().Sort();
        return ClickSuppressor.LimitGain(energy, _limit * _sorted[PastBlocks / 2], _floor);
    }
}
