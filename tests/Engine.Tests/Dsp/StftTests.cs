using RealtimeDenoise.Dsp;

namespace RealtimeDenoise.Engine.Tests.Dsp;

public class StftTests
{
    [Theory]
    [InlineData(512, 128, 5000), InlineData(1024, 256, 7001), InlineData(512, 256, 4097), InlineData(512, 128, 100)]
    public void BatchRoundTripReconstructsAligned(int fft, int hop, int samples)
    {
        var stft = new Stft(new StftConfig(fft, hop, 16000));
        var x = DspTestKit.Noise(samples, fft + samples);
        var y = stft.Synthesize(stft.Analyze(x), x.Length);
        double err = DspTestKit.RelativeError(x, y);
        Assert.True(err <= 1e-5, $"relative error {err:E2}");
    }

    [Fact]
    public void PreallocatedOverloadsMatchAllocatingOnesAndCheckShapes()
    {
        var stft = new Stft(new StftConfig(512, 128, 16000));
        var x = DspTestKit.Noise(3000, 4);
        var spec = stft.Analyze(x);
        var into = new Spectrogram(stft.FrameCount(x.Length), 257);
        stft.Analyze(x, into);
        Assert.Equal(spec.Real, into.Real);
        Assert.Equal(spec.Imag, into.Imag);

        var y = stft.Synthesize(spec, x.Length);
        var dirty = Enumerable.Repeat(123f, x.Length).ToArray(); // must be overwritten, not added to
        stft.Synthesize(spec, dirty);
        Assert.Equal(y, dirty);

        Assert.Throws<ArgumentException>(() => stft.Analyze(x, new Spectrogram(into.Frames + 1, 257)));
        Assert.Throws<ArgumentException>(() => stft.Analyze(x, new Spectrogram(into.Frames, 513)));
        Assert.Throws<ArgumentException>(() => stft.Synthesize(new Spectrogram(4, 513), new float[100]));
    }

    [Fact]
    public void FrameCountCoversPaddedSignal()
    {
        var stft = new Stft(new StftConfig(512, 128, 16000));
        Assert.Equal(3, stft.FrameCount(0));      // the 384 lead zeros alone
        Assert.Equal(4, stft.FrameCount(1));
        Assert.Equal(4, stft.FrameCount(128));
        Assert.Equal(5, stft.FrameCount(129));
        Assert.Equal(stft.FrameCount(1000), stft.Analyze(new float[1000]).Frames);
    }

    [Fact]
    public void AnalyzeFrameMatchesWindowedNaiveDft()
    {
        // Frame 5 of a 512/128 STFT covers samples [5·128 − 384, 5·128 + 128) = [256, 768).
        var config = new StftConfig(512, 128, 16000);
        var x = DspTestKit.Noise(2000, 3);
        var spec = new Stft(config).Analyze(x);
        var w = Window.SqrtHann(512);
        double maxErr = 0, maxMag = 0;
        for (int k = 0; k < config.Bins; k++)
        {
            double sr = 0, si = 0;
            for (int i = 0; i < 512; i++)
            {
                double a = -2 * Math.PI * (k * i % 512) / 512;
                sr += x[256 + i] * w[i] * Math.Cos(a);
                si += x[256 + i] * w[i] * Math.Sin(a);
            }
            maxErr = Math.Max(maxErr, Math.Max(Math.Abs(sr - spec.RealFrame(5)[k]), Math.Abs(si - spec.ImagFrame(5)[k])));
            maxMag = Math.Max(maxMag, Math.Sqrt(sr * sr + si * si));
        }
        Assert.True(maxErr / maxMag <= 1e-5, $"relative error {maxErr / maxMag:E2}");
    }

    [Theory]
    [InlineData(0.5f), InlineData(0.1f)]
    public void ConstantGainMaskScalesOutput(float g)
    {
        var config = new StftConfig(512, 128, 16000);
        var x = DspTestKit.Noise(4000, 11);
        var y = new Stft(config).Process(x, new GainMaskProcessor(Enumerable.Repeat(g, config.Bins).ToArray()));
        var expected = x.Select(v => v * g).ToArray();
        double err = DspTestKit.RelativeError(expected, y);
        Assert.True(err <= 1e-5, $"relative error {err:E2}");
    }

    [Fact]
    public void LowPassMaskRemovesHighSineKeepsLowSine()
    {
        var config = new StftConfig(512, 128, 16000);
        int n = 16000;
        var low = DspTestKit.Sine(n, 500, 16000);
        var high = DspTestKit.Sine(n, 5000, 16000);
        var mix = low.Zip(high, (a, b) => a + b).ToArray();
        // Cut-off at 2 kHz = bin 64; the sqrt-Hann main lobe is a few bins wide, both sines are far from it.
        var gain = Enumerable.Range(0, config.Bins).Select(f => f * 16000.0 / 512 < 2000 ? 1f : 0f).ToArray();
        var y = new Stft(config).Process(mix, new GainMaskProcessor(gain));
        // Sidelobe leakage of the sqrt-Hann window is not zero: compare in the steady state away from the edges.
        var inner = new Range(1000, n - 1000);
        double err = DspTestKit.RelativeError(low.AsSpan()[inner], y.AsSpan()[inner]);
        Assert.True(err <= 1e-2, $"output differs from the low sine by {err:E2} of its peak");
    }

    [Fact]
    public void ProcessWithNullProcessorIsIdentity()
    {
        var x = DspTestKit.Noise(3000, 5);
        var y = new Stft(new StftConfig(1024, 256, 16000)).Process(x, null);
        Assert.True(DspTestKit.RelativeError(x, y) <= 1e-5);
    }

    [Theory]
    [InlineData(500, 128, 16000)]      // not a power of two
    [InlineData(8, 4, 16000)]          // too small
    [InlineData(512, 0, 16000)]        // no hop
    [InlineData(512, 384, 16000)]      // hop > n_fft/2 (and does not divide n_fft)
    [InlineData(512, 512, 16000)]      // no overlap
    [InlineData(512, 96, 16000)]       // hop does not divide n_fft
    [InlineData(512, -128, 16000)]
    [InlineData(512, 128, 0)]          // no sample rate
    public void ValidateRejectsBadGeometry(int fft, int hop, int rate)
    {
        var config = new StftConfig(fft, hop, rate);
        var ex = Assert.Throws<ArgumentException>(config.Validate);
        Assert.False(string.IsNullOrWhiteSpace(ex.Message));
        Assert.Throws<ArgumentException>(() => new Stft(config));
        Assert.Throws<ArgumentException>(() => new StreamingStft(config));
    }

    [Theory]
    [InlineData(512, 128), InlineData(1024, 256), InlineData(512, 256), InlineData(16, 8)]
    public void ValidateAcceptsGoodGeometry(int fft, int hop)
    {
        new StftConfig(fft, hop, 16000).Validate();
    }
}
