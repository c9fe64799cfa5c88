using RealtimeDenoise.Dsp;

namespace RealtimeDenoise.Engine.Tests.Dsp;

public class StreamingStftTests
{
    public static TheoryData<int, int, int> Geometries()
    {
        var data = new TheoryData<int, int, int>();
        foreach (var (fft, hop) in new[] { (512, 128), (1024, 256), (512, 256) })
            foreach (int block in new[] { 1, 7, hop, 1000, -1 }) // −1: random sizes 0..2·hop
                data.Add(fft, hop, block);
        return data;
    }

    private static int[] Blocks(int block, int hop, int seed) => block > 0 ? [block] : DspTestKit.RandomBlockSizes(seed, 2 * hop);

    [Theory]
    [MemberData(nameof(Geometries))]
    public void RoundTripReconstructsInputAfterLatency(int fft, int hop, int block)
    {
        var stft = new StreamingStft(new StftConfig(fft, hop, 16000));
        Assert.Equal(fft - 1, stft.LatencySamples);
        var x = DspTestKit.Noise(6000, fft + block);
        var y = DspTestKit.Stream(stft, x, Blocks(block, hop, fft));
        int d = stft.LatencySamples;
        double err = DspTestKit.RelativeError(x, y.AsSpan(d, x.Length));
        Assert.True(err <= 1e-5, $"relative error {err:E2}");
        // Before the latency has elapsed nothing of the input can have come out (only FFT rounding noise
        // of the zero padding in front of the signal).
        Assert.All(y.AsSpan(0, d).ToArray(), v => Assert.True(Math.Abs(v) <= 1e-5f, $"pre-roll sample {v}"));
    }

    [Theory]
    [MemberData(nameof(Geometries))]
    public void GainMaskStreamMatchesBatchSampleForSample(int fft, int hop, int block)
    {
        var config = new StftConfig(fft, hop, 16000);
        var rng = new Random(fft * 31 + block);
        var gain = Enumerable.Range(0, config.Bins).Select(_ => (float)rng.NextDouble()).ToArray();
        var x = DspTestKit.Noise(5000, 17 + block);

        var batch = new Stft(config).Process(x, new GainMaskProcessor(gain));
        var stream = new StreamingStft(config, new GainMaskProcessor(gain));
        var y = DspTestKit.Stream(stream, x, Blocks(block, hop, 99));
        double err = DspTestKit.RelativeError(batch, y.AsSpan(stream.LatencySamples, x.Length));
        Assert.True(err <= 1e-6, $"stream vs batch relative difference {err:E2}");
    }

    /// <summary>
    /// With a side chain the processor estimates from the frames of the conditioned input and filters the frames of the
    /// input itself: the stream equals the batch STFT of the input filtered with gains taken from the batch frames of the
    /// input conditioned hop by hop, at the same latency; Reset replays it.
    /// </summary>
    [Theory]
    [InlineData(512, 128, 7), InlineData(512, 128, 128), InlineData(1024, 256, -1)]
    public void SideChain_EstimatesFromTheConditionedInput_AndFiltersTheInput(int fft, int hop, int block)
    {
        var config = new StftConfig(fft, hop, 16000);
        var x = DspTestKit.Noise(5000, 3);
        var conditioned = new float[x.Length];
        for (int i = 0; i < x.Length; i++) conditioned[i] = x[i] * (1 + (i / hop) % 3); // what HopScaler does, hop by hop
        var expected = new Stft(config).Process(x, new ReplayGainProcessor(new Stft(config).Analyze(conditioned)));
        var unconditioned = new Stft(config).Process(x, new ReplayGainProcessor(new Stft(config).Analyze(x)));

        var stream = new StreamingStft(config, new SideChainGainProcessor(), new HopScaler());
        Assert.Equal(fft - 1, stream.LatencySamples);
        var y = DspTestKit.Stream(stream, x, Blocks(block, hop, 11));
        var output = y.AsSpan(stream.LatencySamples, x.Length);
        double err = DspTestKit.RelativeError(expected, output);
        Assert.True(err <= 1e-5, $"stream vs batch relative difference {err:E2}");
        Assert.True(DspTestKit.RelativeError(unconditioned, output) > 1e-2, "the side chain made no difference");

        stream.Reset();
        Assert.Equal(y, DspTestKit.Stream(stream, x, Blocks(block, hop, 11)));
    }

    [Theory]
    [InlineData(512, 128, 1, 7), InlineData(512, 128, 3, 128), InlineData(1024, 256, 2, 1), InlineData(512, 256, 1, -1)]
    public void LookaheadAddsExactlyKHopsOfLatency(int fft, int hop, int k, int block)
    {
        var config = new StftConfig(fft, hop, 16000);
        var stft = new StreamingStft(config, new LookaheadGainProcessor(config.Bins, k) { ApplyGain = false });
        Assert.Equal(k, stft.LookaheadFrames);
        Assert.Equal(fft - 1 + k * hop, stft.LatencySamples);
        var x = DspTestKit.Noise(4000, k);
        var y = DspTestKit.Stream(stft, x, Blocks(block, hop, 5));
        double err = DspTestKit.RelativeError(x, y.AsSpan(stft.LatencySamples, x.Length));
        Assert.True(err <= 1e-5, $"relative error {err:E2}");
    }

    [Theory]
    [InlineData(512, 128, 2, 7), InlineData(1024, 256, 1, -1)]
    public void LookaheadProcessorStreamMatchesBatch(int fft, int hop, int k, int block)
    {
        var config = new StftConfig(fft, hop, 16000);
        var x = DspTestKit.Noise(5000, 23);
        var batch = new Stft(config).Process(x, new LookaheadGainProcessor(config.Bins, k));
        var stream = new StreamingStft(config, new LookaheadGainProcessor(config.Bins, k));
        var y = DspTestKit.Stream(stream, x, Blocks(block, hop, 8));
        double err = DspTestKit.RelativeError(batch, y.AsSpan(stream.LatencySamples, x.Length));
        Assert.True(err <= 1e-6, $"stream vs batch relative difference {err:E2}");
        // The gain really depends on the spectrum: the output is not the input.
        Assert.True(DspTestKit.RelativeError(x, batch) > 1e-2);
    }

    [Fact]
    public void ProcessorIsCalledOncePerHop()
    {
        var config = new StftConfig(512, 128, 16000);
        var mask = new GainMaskProcessor(Enumerable.Repeat(1f, config.Bins).ToArray());
        var stft = new StreamingStft(config, mask);
        var buffer = new float[1000];
        stft.Process(buffer, new float[1000]);
        Assert.Equal(1000 / 128, mask.Calls);
        stft.Process(buffer.AsSpan(0, 24), new float[24]); // 1000 + 24 = 8 hops
        Assert.Equal(8, mask.Calls);
    }

    [Fact]
    public void ResetRestartsAsNew()
    {
        var config = new StftConfig(512, 128, 16000);
        var x = DspTestKit.Noise(3000, 2);
        var stft = new StreamingStft(config, new LookaheadGainProcessor(config.Bins, 1));
        var first = DspTestKit.Stream(stft, x, [333]);
        DspTestKit.Stream(stft, DspTestKit.Noise(777, 9), [100]); // leave state mid-hop
        stft.Reset();
        var second = DspTestKit.Stream(stft, x, [333]);
        Assert.Equal(first, second);
    }

    [Theory]
    [InlineData(1), InlineData(100), InlineData(128), InlineData(1000)]
    public void InPlaceProcessingMatchesSeparateBuffers(int block)
    {
        var config = new StftConfig(512, 128, 16000);
        var x = DspTestKit.Noise(4000, 12);
        var expected = DspTestKit.Stream(new StreamingStft(config, new LookaheadGainProcessor(config.Bins, 1)), x, [block]);
        var stft = new StreamingStft(config, new LookaheadGainProcessor(config.Bins, 1));
        var buffer = new float[expected.Length];
        x.CopyTo(buffer, 0);
        for (int pos = 0; pos < buffer.Length; pos += block)
        {
            var span = buffer.AsSpan(pos, Math.Min(block, buffer.Length - pos));
            stft.Process(span, span);
        }
        Assert.Equal(expected, buffer);
    }

    [Fact]
    public void MismatchedSpansAreRejected()
    {
        var stft = new StreamingStft(StftConfig.Default);
        Assert.Throws<ArgumentException>(() => stft.Process(new float[10], new float[9]));
    }

    [Fact]
    public void WarmProcessLoopDoesNotAllocate()
    {
        var config = new StftConfig(512, 128, 16000);
        var stft = new StreamingStft(config, new LookaheadGainProcessor(config.Bins, 2));
        var input = DspTestKit.Noise(4096, 1);
        var output = new float[input.Length];
        int[] sizes = [1, 7, 128, 1000, 333];
        void Run()
        {
            int pos = 0;
            foreach (int m in sizes) { stft.Process(input.AsSpan(pos, m), output.AsSpan(pos, m)); pos += m; }
        }
        for (int i = 0; i < 20; i++) Run(); // warm up (tiered JIT)
        long allocated = AllocationProbe.SteadyStateBytes(() => { for (int i = 0; i < 200; i++) Run(); });
        Assert.Equal(0, allocated);
    }
}
