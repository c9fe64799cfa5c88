using RealtimeDenoise.Dsp;
using RealtimeDenoise.Enhancement;
using RealtimeDenoise.Streaming;
using static RealtimeDenoise.Engine.Tests.Enhancement.TestSignals;

namespace RealtimeDenoise.Engine.Tests.Enhancement;

/// <summary>The forward/backward streaming passes of the offline enhancer and their blend with the EM mask.</summary>
public class BidirectionalStreamingMaskTests
{
    /// <summary>A short EM, without the learnt mask refiner (its own tests are in MaskRefinerTests): these tests follow the model-based stages.</summary>
    private static OfflineOptions Light() => new() { MaxIterations = 4, MhSteps = 6, BurnIn = 3, FinalMhSteps = 6, FinalBurnIn = 3, MaskRefiner = null };

    private static Spectrogram Analyze(float[] x) => new Stft(new StftConfig(512, 128, SampleRate)).Analyze(x);

    private static Spectrogram Reversed(Spectrogram spec)
    {
        var r = new Spectrogram(spec.Frames, spec.Bins);
        for (int n = 0; n < spec.Frames; n++)
        {
            spec.RealFrame(n).CopyTo(r.RealFrame(spec.Frames - 1 - n));
            spec.ImagFrame(n).CopyTo(r.ImagFrame(spec.Frames - 1 - n));
        }
        return r;
    }

    /// <summary>A companion that is the same model makes the same masks, so the passes' mix of the two is the mask without one, bit for bit.</summary>
    [Fact]
    public void Companion_ThatIsTheSameModel_ChangesNothing()
    {
        var spec = Analyze(Add(VoicedBursts(2 * SampleRate, 0.3f, seed: 7), WhiteNoise(2 * SampleRate, 0.3f, seed: 8)));
        var model = new SpectralShapeModel();
        float[] alone = new float[spec.Real.Length], mixed = new float[spec.Real.Length];
        float[] aloneNoise = new float[spec.Real.Length], mixedNoise = new float[spec.Real.Length];
        new BidirectionalStreamingMask(model, new StreamingOptions()).Compute(spec, alone, CancellationToken.None, aloneNoise);
        new BidirectionalStreamingMask(model, new StreamingOptions { CompanionWeight = 1 }, model).Compute(spec, mixed, CancellationToken.None, mixedNoise);
        Assert.Equal(alone, mixed);
        Assert.Equal(aloneNoise, mixedNoise);
    }

    [Fact]
    public void Companion_OfAnotherModel_ChangesTheMaskOfNoisySpeech()
    {
        var spec = Analyze(Add(VoicedBursts(3 * SampleRate, 0.3f, seed: 9), WhiteNoise(3 * SampleRate, 0.3f, seed: 10)));
        var companion = new RealtimeDenoise.Models.ManagedVarianceModel(Models.TestModels.Random(257, 16, [64], [64], RealtimeDenoise.Models.Activation.Tanh, seed: 5),
            new RealtimeDenoise.Models.ModelCard { LatentDim = 16 });
        float[] alone = new float[spec.Real.Length], mixed = new float[spec.Real.Length];
        new BidirectionalStreamingMask(new SpectralShapeModel(), new StreamingOptions()).Compute(spec, alone, CancellationToken.None);
        new BidirectionalStreamingMask(new SpectralShapeModel(), new StreamingOptions(), companion).Compute(spec, mixed, CancellationToken.None);
        Assert.NotEqual(alone, mixed);
        Assert.All(mixed, m => Assert.InRange(m, 0f, 1f));
    }

    [Fact]
    public void Mask_OfTheTimeReversedInput_IsTheTimeReversedMask()
    {
        // √(m_fwd·m_bwd) treats both directions alike: reversing the input swaps the passes and reverses the result.
        var spec = Analyze(Add(VoicedBursts(2 * SampleRate, 0.3f, seed: 5), WhiteNoise(2 * SampleRate, 0.03f, seed: 6)));
        var passes = new BidirectionalStreamingMask(new SpectralShapeModel(), new StreamingOptions());
        var mask = new float[spec.Real.Length];
        var reversedMask = new float[spec.Real.Length];
        passes.Compute(spec, mask, CancellationToken.None);
        passes.Compute(Reversed(spec), reversedMask, CancellationToken.None);
        int bins = spec.Bins;
        for (int n = 0; n < spec.Frames; n++)
            Assert.Equal(mask.AsSpan(n * bins, bins).ToArray(), reversedMask.AsSpan((spec.Frames - 1 - n) * bins, bins).ToArray());
        Assert.Contains(mask, m => m < 0.5f); // not the identity: the noise between bursts is attenuated
    }

    [Fact]
    public void MaskAndNoise_AreTheGeometricMeansOfTheForwardAndBackwardStreamingPasses()
    {
        var spec = Analyze(Add(VoicedBursts(SampleRate, 0.3f, seed: 7), WhiteNoise(SampleRate, 0.03f, seed: 8)));
        var model = new SpectralShapeModel();
        var mask = new float[spec.Real.Length];
        var noise = new float[spec.Real.Length];
        new BidirectionalStreamingMask(model, new StreamingOptions()).Compute(spec, mask, CancellationToken.None, noise);

        // Reference: one streaming processor per direction, driven frame by frame.
        var (forwardMask, forwardNoise) = StreamingPass(model, spec);
        var (backwardMask, backwardNoise) = StreamingPass(model, Reversed(spec));
        int bins = spec.Bins;
        for (int n = 0; n < spec.Frames; n++)
            for (int f = 0; f < bins; f++)
            {
                int i = n * bins + f, back = spec.Frames - 1 - n;
                double expected = Math.Sqrt((double)forwardMask[n][f] * backwardMask[back][f]);
                Assert.True(Math.Abs(mask[i] - expected) < 1e-6, $"mask, frame {n} bin {f}: {mask[i]} vs {expected}");
                expected = Math.Sqrt((double)forwardNoise[n][f] * backwardNoise[back][f]);
                Assert.True(Math.Abs(noise[i] - expected) <= 1e-6 * expected, $"noise, frame {n} bin {f}: {noise[i]} vs {expected}");
            }
        // The noise estimate follows the noise (power of white noise of rms 0.03 through the sqrt-Hann window: 0.03²·256 = 0.23 per bin), not the bursts.
        double meanNoise = noise.Average(v => (double)v);
        Assert.InRange(meanNoise, 0.23 / 4, 0.23 * 4);
    }

    private static (float[][] Masks, float[][] Noise) StreamingPass(SpectralShapeModel model, Spectrogram spec)
    {
        var processor = new VaeNmfFrameProcessor(model);
        var re = new float[spec.Bins];
        var im = new float[spec.Bins];
        var masks = new float[spec.Frames][];
        var noise = new float[spec.Frames][];
        for (int n = 0; n < spec.Frames; n++)
        {
            processor.ProcessFrame(spec.RealFrame(n), spec.ImagFrame(n), re, im);
            masks[n] = processor.LastMask.ToArray();
            noise[n] = processor.LastNoiseVariance.ToArray();
        }
        return (masks, noise);
    }

    [Fact]
    public void Blend_LiesBetweenTheEmAndTheStreamingPasses()
    {
        // m_EM^(1−a)·m_s^a lies between the two masks in every bin, so the output energy lies between theirs.
        var x = Add(VoicedBursts(2 * SampleRate, 0.3f, seed: 9), WhiteNoise(2 * SampleRate, 0.05f, seed: 10));
        double Energy(float weight)
        {
            var options = Light();
            options.StreamingPassWeight = weight;
            options.SeedNoiseFromStreamingPasses = false; // seeding changes the EM itself; here only the blend of fixed masks is tested
            options.LowSnrNmfRank = options.NmfRank; // so does the rank the passes' SNR would choose
            var y = Denoiser.CreateOffline(new SpectralShapeModel(), options).Enhance(x);
            Assert.True(AllFinite(y));
            return TestSignals.Energy(y);
        }
        double em = Energy(0), streamed = Energy(1), blend = Energy(0.5f);
        Assert.NotEqual(em, streamed, 3);
        Assert.InRange(blend, Math.Min(em, streamed) * 0.999, Math.Max(em, streamed) * 1.001);
    }

    [Fact]
    public void StreamingPassesAlone_RunNoEmIterations()
    {
        var enhancer = new OfflineEnhancer(new SpectralShapeModel(), new OfflineOptions { StreamingPassWeight = 1 });
        var y = enhancer.Enhance(WhiteNoise(SampleRate, 0.05f, seed: 11));
        Assert.True(AllFinite(y));
        Assert.All(enhancer.IterationsPerSegment, i => Assert.Equal(0, i));
        Assert.True(TestSignals.Energy(y) < 0.5 * TestSignals.Energy(WhiteNoise(SampleRate, 0.05f, seed: 11)));
    }

    [Fact]
    public void SeedingTheEmNoiseModelFromThePasses_ChangesTheResult_AndStillRemovesNoise()
    {
        var noise = WhiteNoise(2 * SampleRate, 0.05f, seed: 12);
        var x = Add(VoicedBursts(2 * SampleRate, 0.3f, seed: 13), noise);
        float[] Run(bool seed)
        {
            var options = Light();
            options.SeedNoiseFromStreamingPasses = seed;
            return Denoiser.CreateOffline(new SpectralShapeModel(), options).Enhance(x);
        }
        var plain = Run(false);
        var seeded = Run(true);
        Assert.True(AllFinite(seeded));
        Assert.NotEqual(plain, seeded);
        var noiseOnly = Denoiser.CreateOffline(new SpectralShapeModel(), new OfflineOptions { SeedNoiseFromStreamingPasses = true }).Enhance(noise);
        double reductionDb = 10 * Math.Log10(TestSignals.Energy(noise) / TestSignals.Energy(noiseOnly));
        Assert.True(reductionDb > 3, $"noise reduced by only {reductionDb:F1} dB");
    }

    [Fact]
    public void InvalidSettings_AreRejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new OfflineEnhancer(new SpectralShapeModel(), new OfflineOptions { StreamingPassWeight = 1.5f }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new OfflineEnhancer(new SpectralShapeModel(), new OfflineOptions { StreamingPassWeight = float.NaN }));
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            new OfflineEnhancer(new SpectralShapeModel(), new OfflineOptions { StreamingPasses = new StreamingOptions { LookaheadFrames = 2 } }));
    }
}
