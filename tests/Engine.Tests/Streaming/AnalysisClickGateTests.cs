using RealtimeDenoise.Engine.Tests.Dsp;
using RealtimeDenoise.Streaming;
using Xunit;
using static RealtimeDenoise.Engine.Tests.Enhancement.TestSignals;

namespace RealtimeDenoise.Engine.Tests.Streaming;

public class AnalysisClickGateTests
{
    private const int Block = 64, Hop = 128, Past = 10;

    /// <summary>
    /// Written from the definition over the whole signal: bands split at the crossovers, each band's mean square per block,
    /// the median of the block and the 10 before it (blocks before the first count as the first), the gain
    /// (limit·median/energy)^½ not below −30 dB where the energy lies above limit·median; the lowest band kept as it is
    /// when there are crossovers.
    /// </summary>
    private static float[] Reference(float[] x, float limitDb, float[] crossovers)
    {
        var bands = crossovers.Length == 0 ? [x] : DspTestKit.SplitIntoBands(x, SampleRate, crossovers);
        double limit = Math.Pow(10, limitDb / 10), floor = Math.Pow(10, -30 / 20.0);
        int blocks = x.Length / Block;
        var y = new float[blocks * Block];
        for (int k = 0; k < bands.Length; k++)
        {
            bool gated = k > 0 || bands.Length == 1;
            var energy = new double[blocks];
            for (int n = 0; n < blocks * Block; n++) energy[n / Block] += (double)bands[k][n] * bands[k][n] / Block;
            for (int b = 0; b < blocks; b++)
            {
                var window = Enumerable.Range(b - Past, Past + 1).Select(i => energy[Math.Max(0, i)]).Order().ToArray();
                double allowed = limit * window[Past / 2];
                double g = gated && energy[b] > allowed ? Math.Max(floor, Math.Sqrt(allowed / energy[b])) : 1;
                for (int n = b * Block; n < (b + 1) * Block; n++) y[n] += (float)(g * bands[k][n]);
            }
        }
        return y;
    }

    private static float[] Gate(float[] x, AnalysisClickGate gate, int hop = Hop)
    {
        var y = new float[x.Length / hop * hop];
        for (int start = 0; start + hop <= x.Length; start += hop) gate.Process(x.AsSpan(start, hop), y.AsSpan(start, hop));
        return y;
    }

    /// <summary>Clicks (3 ms, peak 0.5) every 200 ms over white noise.</summary>
    private static float[] ClicksOverNoise() =>
        Add(WhiteNoise(2 * SampleRate, 0.003f, seed: 1), Clicks(2 * SampleRate, SampleRate / 5, 0.5f, seed: 2));

    /// <summary>The same over a voiced signal (bursts of 300 ms: their onsets above 2 kHz are gated too, the gate being causal).</summary>
    private static float[] ClicksOverNoiseAndVoice() => Add(ClicksOverNoise(), VoicedBursts(2 * SampleRate, 0.3f, seed: 3));

    [Theory]
    [InlineData(2), InlineData(1), InlineData(3)]
    public void InHops_EqualsTheWholeSignalReference(int bands)
    {
        float[] crossovers = bands switch { 1 => [], 2 => [2000f], _ => [1000f, 3000f] };
        var x = ClicksOverNoiseAndVoice();
        var expected = Reference(x, 10f, crossovers);
        foreach (int hop in new[] { Block, Hop, 4 * Block })
        {
            var actual = Gate(x, new AnalysisClickGate(SampleRate, Block, 10f, crossovers), hop);
            int n = Math.Min(actual.Length, expected.Length);
            for (int t = 0; t < n; t++)
                Assert.True(Math.Abs(actual[t] - expected[t]) < 1e-5, $"hop {hop}, sample {t}: {actual[t]} vs {expected[t]}");
        }
        Assert.Contains(Enumerable.Range(0, expected.Length), t => Math.Abs(expected[t]) < 0.5 * Math.Abs(x[t]) && Math.Abs(x[t]) > 0.05); // it did act
    }

    /// <summary>
    /// The clicks' part above 2 kHz is turned down and the steady noise between them passes unchanged (up to the rounding of
    /// the band split). That the band below 2 kHz passes untouched is part of the reference above.
    /// </summary>
    [Fact]
    public void Clicks_AreTurnedDownAbove2kHz_TheNoiseBetweenThemPasses()
    {
        var x = ClicksOverNoise();
        var y = Gate(x, new AnalysisClickGate(SampleRate, Block, 10f, [2000f]));
        var inBands = DspTestKit.SplitIntoBands(x, SampleRate, [2000f]);
        var outBands = DspTestKit.SplitIntoBands(y, SampleRate, [2000f]);
        double clickHighIn = 0, clickHighOut = 0;
        for (int t = SampleRate / 5; t < y.Length; t++)
        {
            int phase = (t - SampleRate / 10) % (SampleRate / 5);
            if (phase is >= 0 and < 48) { clickHighIn += inBands[1][t] * inBands[1][t]; clickHighOut += outBands[1][t] * outBands[1][t]; }
            // The noise between the clicks: the gate's gain is 1 there.
            if (phase >= 2 * Block && phase < SampleRate / 5 - 2 * Block) Assert.True(Math.Abs(y[t] - x[t]) < 1e-5, $"sample {t}: {y[t]} vs {x[t]}");
        }
        double cutDb = 10 * Math.Log10(clickHighIn / clickHighOut);
        // Measured 8.5 dB: blocks are turned down to 10 dB above the median, not to it, and splitting the output again puts
        // part of the click's low band, which passes, back above 2 kHz.
        Assert.True(cutDb > 6, $"clicks above 2 kHz only {cutDb:F1} dB lower");
    }

    /// <summary>
    /// Digital silence (a dropout, a muted start) is neither gated nor recorded: after it the gate goes on from the blocks
    /// before it, so the signal is not turned down against a median of silence.
    /// </summary>
    [Fact]
    public void DigitalSilence_LeavesTheGateAsItWas()
    {
        var x = ClicksOverNoise();
        int half = x.Length / 2 / Hop * Hop, gap = 10 * Hop;
        var withGap = new float[x.Length + gap];
        x.AsSpan(0, half).CopyTo(withGap);
        x.AsSpan(half).CopyTo(withGap.AsSpan(half + gap));
        var expected = Gate(x, new AnalysisClickGate(SampleRate, Block, 10f, [2000f]));
        var actual = Gate(withGap, new AnalysisClickGate(SampleRate, Block, 10f, [2000f]));
        // Up to the gap and from a few blocks after it (the band split's own memory of the signal before the gap) alike.
        for (int t = 0; t < half; t++) Assert.Equal(expected[t], actual[t]);
        Assert.All(actual.AsSpan(half, gap).ToArray(), v => Assert.True(Math.Abs(v) < 1e-6f));
        var afterGap = actual.AsSpan(half + gap).ToArray();
        for (int t = 4 * Block; t < expected.Length - half; t++)
        {
            double scale = Math.Max(1e-3, Math.Abs(expected[half + t]));
            Assert.True(Math.Abs(afterGap[t] - expected[half + t]) <= 0.05 * scale + 1e-4, $"sample {t} after the gap: {afterGap[t]} vs {expected[half + t]}");
        }
    }

    /// <summary>The whole-signal form equals the stream in hops, and copies a tail shorter than a block unchanged.</summary>
    [Fact]
    public void GateWhole_EqualsTheStream_AndKeepsTheTail()
    {
        var x = ClicksOverNoiseAndVoice()[..(10 * Hop + 37)];
        var whole = AnalysisClickGate.GateWhole(x, SampleRate, Block, 10f, [2000f]);
        var streamed = Gate(x, new AnalysisClickGate(SampleRate, Block, 10f, [2000f]));
        Assert.Equal(x.Length, whole.Length);
        Assert.Equal(streamed, whole[..streamed.Length]);
        Assert.Equal(x[^37..], whole[^37..]);
        Assert.Equal(64, AnalysisClickGate.BlockFor(128));
        Assert.Equal(127, AnalysisClickGate.BlockFor(127));
    }

    [Fact]
    public void Reset_Replays_AndProcessDoesNotAllocate()
    {
        var x = ClicksOverNoiseAndVoice();
        var gate = new AnalysisClickGate(SampleRate, Block, 10f, [2000f]);
        var first = Gate(x, gate);
        gate.Reset();
        Assert.Equal(first, Gate(x, gate));
        var y = new float[Hop];
        Assert.Equal(0, AllocationProbe.SteadyStateBytes(() => gate.Process(x.AsSpan(0, Hop), y)));
    }

    [Fact]
    public void BadArguments_Throw()
    {
        var gate = new AnalysisClickGate(SampleRate, Block, 10f, [2000f]);
        Assert.Throws<ArgumentException>(() => gate.Process(new float[100], new float[100])); // not whole blocks
        Assert.Throws<ArgumentException>(() => gate.Process(new float[Hop], new float[Block]));
        Assert.Throws<ArgumentOutOfRangeException>(() => new AnalysisClickGate(SampleRate, 0, 10f, [2000f]));
        Assert.Throws<ArgumentOutOfRangeException>(() => new AnalysisClickGate(SampleRate, Block, -1f, [2000f]));
        Assert.Throws<ArgumentOutOfRangeException>(() => new AnalysisClickGate(SampleRate, Block, 10f, [3000f, 2000f]));
        Assert.Throws<ArgumentOutOfRangeException>(() => new AnalysisClickGate(SampleRate, Block, 10f, [9000f]));
    }
}
