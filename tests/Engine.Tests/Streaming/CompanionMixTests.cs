using RealtimeDenoise.Dsp;
using RealtimeDenoise.Engine.Tests.Enhancement;
using RealtimeDenoise.Engine.Tests.Models;
using RealtimeDenoise.Enhancement;
using RealtimeDenoise.Models;
using RealtimeDenoise.Streaming;
using Xunit;
using static RealtimeDenoise.Engine.Tests.Enhancement.TestSignals;

namespace RealtimeDenoise.Engine.Tests.Streaming;

public class CompanionMixTests
{
    private const int Bins = 257, Hop = 128;

    /// <summary>Writes its input times a fixed gain: a processor whose SNR estimate is known, 10·log10(g² / (1 − g²)).</summary>
    private sealed class FixedGain(float gain) : ISideChainSpectralProcessor
    {
        public int LookaheadFrames => 0;
        public int Resets { get; private set; }

        public void ProcessFrame(ReadOnlySpan<float> inReal, ReadOnlySpan<float> inImag, Span<float> outReal, Span<float> outImag) =>
            ProcessFrame(inReal, inImag, inReal, inImag, outReal, outImag);

        public void ProcessFrame(ReadOnlySpan<float> analysisReal, ReadOnlySpan<float> analysisImag,
            ReadOnlySpan<float> inReal, ReadOnlySpan<float> inImag, Span<float> outReal, Span<float> outImag)
        {
            for (int f = 0; f < Bins; f++)
            {
                outReal[f] = gain * inReal[f];
                outImag[f] = gain * inImag[f];
            }
        }

        public void Reset() => Resets++;
    }

    private static float GainForSnr(double snrDb)
    {
        double r = Math.Pow(10, snrDb / 10);
        return (float)Math.Sqrt(r / (1 + r));
    }

    /// <summary>Runs <paramref name="frames"/> random frames through the mix; returns the output of the last over its input (one number: every bin gets the same gain).</summary>
    private static float LastGain(CompanionMix mix, int frames)
    {
        var rng = new Random(5);
        var re = new float[Bins];
        var im = new float[Bins];
        var outRe = new float[Bins];
        var outIm = new float[Bins];
        for (int n = 0; n < frames; n++)
        {
            for (int f = 0; f < Bins; f++)
            {
                re[f] = (float)(rng.NextDouble() - 0.5);
                im[f] = (float)(rng.NextDouble() - 0.5);
            }
            mix.ProcessFrame(re, im, outRe, outIm);
        }
        return outRe[10] / re[10];
    }

    [Theory]
    [InlineData(-10, 0.5)]
    [InlineData(0, 0.5)]
    [InlineData(2.5, 0.375)]
    [InlineData(5, 0.25)]
    [InlineData(10, 0)]
    [InlineData(30, 0)]
    public void Share_IsFullBelowTheLowSnr_NoneAboveTheHigh_LinearBetween(double snrDb, double expected)
    {
        Assert.Equal(expected, CompanionMix.Share(snrDb, 0.5f), 6);
        Assert.Equal(0, CompanionMix.Share(snrDb, 0f));
    }

    /// <summary>
    /// Once the one-second average has settled (the energies are those of random frames, so the estimate is the primary's
    /// gain up to rounding), the output is (1 − w)·primary + w·companion with w from the SNR the primary's gain implies.
    /// </summary>
    [Theory]
    [InlineData(20.0, 0.0)]
    [InlineData(5.0, 0.25)]
    [InlineData(-3.0, 0.5)]
    public void SettledMix_WeighsTheCompanionByThePrimarysSnr(double snrDb, double expectedShare)
    {
        float primary = GainForSnr(snrDb), companion = 0.1f;
        var mix = new CompanionMix(new FixedGain(primary), new FixedGain(companion), Bins, Hop, SampleRate, 0.5f);
        float gain = LastGain(mix, 2000); // 16 s: the average forgets the start
        Assert.Equal(expectedShare, mix.LastWeight, 2);
        Assert.Equal((1 - expectedShare) * primary + expectedShare * companion, gain, 2);
    }

    [Fact]
    public void Start_RampsTheCompanionIn()
    {
        float primary = GainForSnr(-10), companion = 0.1f;
        var mix = new CompanionMix(new FixedGain(primary), new FixedGain(companion), Bins, Hop, SampleRate, 0.5f);
        LastGain(mix, 1);
        float first = mix.LastWeight;
        LastGain(mix, 60); // about half of the 125 frames of one second at hop 128
        float half = mix.LastWeight;
        Assert.InRange(first, 1e-4f, 0.01f);
        Assert.InRange(half, 0.2f, 0.3f);
    }

    [Fact]
    public void Reset_ResetsBothProcessors_AndTheEstimate()
    {
        var a = new FixedGain(GainForSnr(-10));
        var b = new FixedGain(0.1f);
        var mix = new CompanionMix(a, b, Bins, Hop, SampleRate, 0.5f);
        LastGain(mix, 300);
        mix.Reset();
        Assert.Equal(1, a.Resets);
        Assert.Equal(1, b.Resets);
        Assert.Equal(0, mix.LastWeight);
        LastGain(mix, 1);
        Assert.True(mix.LastWeight < 0.01f, "the ramp starts again after Reset");
    }

    [Fact]
    public void Arguments_AreChecked()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new CompanionMix(new FixedGain(1), new FixedGain(1), Bins, Hop, SampleRate, 1.5f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new StreamingEnhancer(new SpectralShapeModel(), new StreamingOptions { CompanionWeight = -0.1f }));
        var other = new ManagedVarianceModel(TestModels.Random(129, 16, [32], [32], Activation.Tanh, seed: 4), new ModelCard { LatentDim = 16, FftSize = 256 });
        Assert.Throws<ArgumentException>(() => new StreamingEnhancer(new SpectralShapeModel(), companion: other));
    }
}
