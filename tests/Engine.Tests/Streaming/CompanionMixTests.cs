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
        /// <summary>From this bin up the gain is <see cref="HighGain"/> instead.</summary>
        public int SplitBin { get; init; } = Bins;
        public float HighGain { get; init; }
        public int LookaheadFrames => 0;
        public int Resets { get; private set; }

        public void ProcessFrame(ReadOnlySpan<float> inReal, ReadOnlySpan<float> inImag, Span<float> outReal, Span<float> outImag) =>
            ProcessFrame(inReal, inImag, inReal, inImag, outReal, outImag);

        public void ProcessFrame(ReadOnlySpan<float> analysisReal, ReadOnlySpan<float> analysisImag,
            ReadOnlySpan<float> inReal, ReadOnlySpan<float> inImag, Span<float> outReal, Span<float> outImag)
        {
            for (int f = 0; f < Bins; f++)
            {
                float g = f < SplitBin ? gain : HighGain;
                outReal[f] = g * inReal[f];
                outImag[f] = g * inImag[f];
            }
        }

        public void Reset() => Resets++;
    }

    private static float GainForSnr(double snrDb)
    {
        double r = Math.Pow(10, snrDb / 10);
        return (float)Math.Sqrt(r / (1 + r));
    }

    /// <summary>Runs <paramref name="frames"/> random frames through the mix; returns the output of the last over its input at <paramref name="bin"/>.</summary>
    private static float LastGain(CompanionMix mix, int frames, int bin = 10)
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
        return outRe[bin] / re[bin];
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
        foreach (float w in mix.LastWeights) Assert.Equal(expectedShare, w, 2);
        Assert.Equal((1 - expectedShare) * primary + expectedShare * companion, gain, 2);
    }

    /// <summary>
    /// A primary that keeps most of the low bins (SNR 20 dB) and little of the high ones (−3 dB): the companion is left out
    /// below the split and fully in above it, each band judged on its own.
    /// </summary>
    [Fact]
    public void EachBand_FollowsItsOwnSnr()
    {
        int split = 64; // 2 kHz, a band edge
        float low = GainForSnr(20), high = GainForSnr(-3), companion = 0.1f;
        var mix = new CompanionMix(new FixedGain(low) { SplitBin = split, HighGain = high }, new FixedGain(companion), Bins, Hop, SampleRate, 0.5f);
        Assert.Equal(low, LastGain(mix, 2000, bin: 10), 3);
        Assert.Equal(0.5f * high + 0.5f * companion, LastGain(mix, 2000, bin: 200), 2);
        for (int f = 0; f < Bins; f++) Assert.Equal(f < split ? 0f : 0.5f, mix.LastWeights[f], 2);
    }

    /// <summary>62.5 Hz bands up to 500 Hz, then each octave in four equal widths, up to the last bin (16 kHz, n_fft 512: 31.25 Hz bins).</summary>
    [Fact]
    public void BandEdges_AreNarrowLow_AndQuarterOctavesAbove500Hz()
    {
        const double binHz = 31.25;
        int[] edges = CompanionMix.BandEdges(Bins, SampleRate);
        Assert.Equal(0, edges[0]);
        Assert.Equal(Bins, edges[^1]);
        for (int b = 0; b + 2 < edges.Length; b++)
        {
            double lowHz = edges[b] * binHz, widthHz = (edges[b + 1] - edges[b]) * binHz;
            double octaveHz = lowHz < 500 ? 0 : 500 * Math.Pow(2, Math.Floor(Math.Log2(lowHz / 500)));
            Assert.Equal(lowHz < 500 ? 62.5 : octaveHz / 4, widthHz, 6);
        }
        Assert.Equal(7000, edges[^2] * binHz); // the last quarter of 4–8 kHz, Nyquist bin included
        Assert.Equal(24, edges.Length - 1);
        // A coarse STFT merges what is narrower than a bin; every band still has at least one bin.
        int[] coarse = CompanionMix.BandEdges(33, 16000);
        Assert.Equal(0, coarse[0]);
        Assert.Equal(33, coarse[^1]);
        for (int b = 0; b + 1 < coarse.Length; b++) Assert.True(coarse[b + 1] > coarse[b]);
    }

    [Fact]
    public void Start_RampsTheCompanionIn()
    {
        float primary = GainForSnr(-10), companion = 0.1f;
        var mix = new CompanionMix(new FixedGain(primary), new FixedGain(companion), Bins, Hop, SampleRate, 0.5f);
        LastGain(mix, 1);
        float first = mix.LastWeights[10];
        LastGain(mix, 60); // about half of the 125 frames of one second at hop 128
        float half = mix.LastWeights[10];
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
        foreach (float w in mix.LastWeights) Assert.Equal(0, w);
        LastGain(mix, 1);
        Assert.True(mix.LastWeights[10] < 0.01f, "the ramp starts again after Reset");
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
