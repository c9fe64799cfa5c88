using RealtimeDenoise.Dsp;

namespace RealtimeDenoise.Engine.Tests.Dsp;

/// <summary>Signals, error measures and small spectral processors shared by the DSP tests.</summary>
internal static class DspTestKit
{
    /// <summary>The bands a fresh <see cref="BandSplitter"/> makes of the whole of <paramref name="x"/>, one array per band.</summary>
    public static float[][] SplitIntoBands(float[] x, int sampleRate, float[] crossoversHz)
    {
        var splitter = new BandSplitter(sampleRate, crossoversHz);
        return SplitIntoBands(splitter, x);
    }

    /// <summary>The bands <paramref name="splitter"/> makes of <paramref name="x"/>, continuing from its state.</summary>
    public static float[][] SplitIntoBands(BandSplitter splitter, float[] x)
    {
        var bands = new float[splitter.Bands][];
        for (int k = 0; k < bands.Length; k++) bands[k] = new float[x.Length];
        var values = new float[splitter.Bands];
        for (int i = 0; i < x.Length; i++)
        {
            splitter.Split(x[i], values);
            for (int k = 0; k < values.Length; k++) bands[k][i] = values[k];
        }
        return bands;
    }

    public static float[] Noise(int length, int seed)
    {
        var rng = new Random(seed);
        var x = new float[length];
        for (int i = 0; i < x.Length; i++) x[i] = (float)(rng.NextDouble() * 2 - 1);
        return x;
    }

    public static float[] Sine(int length, double frequency, int sampleRate, double amplitude = 0.5)
    {
        var x = new float[length];
        for (int i = 0; i < x.Length; i++) x[i] = (float)(amplitude * Math.Sin(2 * Math.PI * frequency * i / sampleRate));
        return x;
    }

    /// <summary>max |expected − actual| / max |expected| over the spans (same length).</summary>
    public static double RelativeError(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        double err = 0, peak = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            err = Math.Max(err, Math.Abs((double)expected[i] - actual[i]));
            peak = Math.Max(peak, Math.Abs((double)expected[i]));
        }
        Assert.True(peak > 0, "reference signal is silent");
        return err / peak;
    }

    /// <summary>Feeds <paramref name="input"/> followed by enough silence to flush, in blocks of the given sizes (cycled).</summary>
    public static float[] Stream(StreamingStft stft, ReadOnlySpan<float> input, int[] blockSizes)
    {
        var padded = new float[input.Length + stft.LatencySamples];
        input.CopyTo(padded);
        var output = new float[padded.Length];
        int pos = 0, b = 0;
        while (pos < padded.Length)
        {
            int m = Math.Min(blockSizes[b++ % blockSizes.Length], padded.Length - pos);
            stft.Process(padded.AsSpan(pos, m), output.AsSpan(pos, m));
            pos += m;
        }
        return output;
    }

    public static int[] RandomBlockSizes(int seed, int max)
    {
        var rng = new Random(seed);
        var sizes = new int[64];
        for (int i = 0; i < sizes.Length; i++) sizes[i] = rng.Next(0, max + 1); // 0 included: empty calls must be harmless
        return sizes;
    }
}

/// <summary>Multiplies every bin f by gain[f] (real mask), no lookahead.</summary>
internal sealed class GainMaskProcessor(float[] gain) : ISpectralProcessor
{
    public int LookaheadFrames => 0;
    public int Calls { get; private set; }

    public void ProcessFrame(ReadOnlySpan<float> inReal, ReadOnlySpan<float> inImag, Span<float> outReal, Span<float> outImag)
    {
        Calls++;
        for (int f = 0; f < gain.Length; f++)
        {
            outReal[f] = inReal[f] * gain[f];
            outImag[f] = inImag[f] * gain[f];
        }
    }

    public void Reset() => Calls = 0;
}

/// <summary>
/// Outputs frame t − k, scaled per bin by a gain that depends on frame t's magnitude (i.e. on the future),
/// the way a lookahead enhancer would. Keeps a k-frame history; allocation-free after construction.
/// </summary>
internal sealed class LookaheadGainProcessor : ISpectralProcessor
{
    private readonly float[][] _re, _im;
    private int _next;

    public LookaheadGainProcessor(int bins, int lookahead)
    {
        LookaheadFrames = lookahead;
        _re = new float[lookahead + 1][];
        _im = new float[lookahead + 1][];
        for (int i = 0; i <= lookahead; i++) { _re[i] = new float[bins]; _im[i] = new float[bins]; }
    }

    public int LookaheadFrames { get; }
    /// <summary>When false the output is frame t − k unchanged (a pure k-hop delay).</summary>
    public bool ApplyGain { get; init; } = true;

    public void ProcessFrame(ReadOnlySpan<float> inReal, ReadOnlySpan<float> inImag, Span<float> outReal, Span<float> outImag)
    {
        inReal.CopyTo(_re[_next]);
        inImag.CopyTo(_im[_next]);
        int oldest = (_next + 1) % _re.Length;
        for (int f = 0; f < inReal.Length; f++)
        {
            float g = ApplyGain ? 1f / (1f + inReal[f] * inReal[f] + inImag[f] * inImag[f]) : 1f;
            outReal[f] = _re[oldest][f] * g;
            outImag[f] = _im[oldest][f] * g;
        }
        _next = oldest;
    }

    public void Reset()
    {
        foreach (var a in _re) Array.Clear(a);
        foreach (var a in _im) Array.Clear(a);
        _next = 0;
    }
}

/// <summary>Side-chain processor: the input frame times 1/(1 + |A|) per bin, A the analysis frame; no lookahead.</summary>
internal sealed class SideChainGainProcessor : ISideChainSpectralProcessor
{
    public int LookaheadFrames => 0;

    public void ProcessFrame(ReadOnlySpan<float> inReal, ReadOnlySpan<float> inImag, Span<float> outReal, Span<float> outImag) =>
        ProcessFrame(inReal, inImag, inReal, inImag, outReal, outImag);

    public void ProcessFrame(ReadOnlySpan<float> analysisReal, ReadOnlySpan<float> analysisImag,
        ReadOnlySpan<float> inReal, ReadOnlySpan<float> inImag, Span<float> outReal, Span<float> outImag)
    {
        for (int f = 0; f < inReal.Length; f++)
        {
            float g = SideChainGain.Of(analysisReal[f], analysisImag[f]);
            outReal[f] = inReal[f] * g;
            outImag[f] = inImag[f] * g;
        }
    }

    public void Reset() { }
}

/// <summary>The batch counterpart: the nth frame it is given is filtered with the gain from frame n of a precomputed analysis.</summary>
internal sealed class ReplayGainProcessor(Spectrogram analysis) : ISpectralProcessor
{
    private int _frame;

    public int LookaheadFrames => 0;

    public void ProcessFrame(ReadOnlySpan<float> inReal, ReadOnlySpan<float> inImag, Span<float> outReal, Span<float> outImag)
    {
        bool known = _frame < analysis.Frames;
        var re = known ? analysis.RealFrame(_frame) : default;
        var im = known ? analysis.ImagFrame(_frame) : default;
        for (int f = 0; f < inReal.Length; f++)
        {
            float g = known ? SideChainGain.Of(re[f], im[f]) : 1f;
            outReal[f] = inReal[f] * g;
            outImag[f] = inImag[f] * g;
        }
        _frame++;
    }

    public void Reset() => _frame = 0;
}

internal static class SideChainGain
{
    public static float Of(float re, float im) => 1f / (1f + MathF.Sqrt(re * re + im * im));
}

/// <summary>Conditioner that scales hop h by 1 + (h mod 3).</summary>
internal sealed class HopScaler : IHopConditioner
{
    private long _hops;

    public void Process(ReadOnlySpan<float> hop, Span<float> conditioned)
    {
        float scale = 1 + _hops++ % 3;
        for (int i = 0; i < hop.Length; i++) conditioned[i] = scale * hop[i];
    }

    public void Reset() => _hops = 0;
}
