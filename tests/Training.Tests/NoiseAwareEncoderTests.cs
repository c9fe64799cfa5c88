using RealtimeDenoise.Dsp;
using RealtimeDenoise.Enhancement;
using RealtimeDenoise.Models;
using RealtimeDenoise.Training.Data;
using RealtimeDenoise.Training.Model;
using RealtimeDenoise.Training.Nn;
using RealtimeDenoise.Training.Run;

namespace RealtimeDenoise.Training.Tests;

/// <summary>The noise-aware encoder: mixing of speech and noise, its loss gradient, and the trainer that keeps the decoder.</summary>
public class NoiseAwareEncoderTests
{
    private static readonly StftConfig SmallStft = new(32, 8, 16000);

    /// <summary>Voiced-like test signal: harmonics of a gliding f0 under a syllable-rate envelope, with short pauses.</summary>
    private static float[] Speechlike(int samples, int seed)
    {
        var rng = new Random(seed);
        double f0 = 110 + 120 * rng.NextDouble(), phase = 0;
        var x = new float[samples];
        for (int i = 0; i < samples; i++)
        {
            double t = i / 16000.0, f = f0 * (1 + 0.1 * Math.Sin(2 * Math.PI * 0.7 * t));
            phase += 2 * Math.PI * f / 16000;
            double envelope = Math.Max(0, Math.Sin(2 * Math.PI * 3 * t + seed)) + 0.01;
            double v = 0;
            for (int h = 1; h <= 8; h++) v += Math.Sin(h * phase) / h;
            x[i] = (float)(0.05 * envelope * v);
        }
        return x;
    }

    private static float[] WhiteNoise(int samples, int seed)
    {
        var rng = new TrainingRandom((ulong)seed);
        var x = new float[samples];
        rng.FillGaussian(x);
        for (int i = 0; i < x.Length; i++) x[i] *= 0.01f;
        return x;
    }

    private static double MeanSquareDb(ReadOnlySpan<float> x)
    {
        double s = 0;
        foreach (var v in x) s += (double)v * v;
        return 10 * Math.Log10(s / x.Length);
    }

    [Theory]
    [InlineData(-5.0)]
    [InlineData(0.0)]
    [InlineData(12.5)]
    public void MixtureHasTheRequestedSnrAndTheTrainingLevel(double snr)
    {
        var mixer = new NoiseMixer(SmallStft, new SilenceRule(), -26, -5, 20, 0);
        var clean = Speechlike(16000, 1);
        var noise = WhiteNoise(5000, 2); // shorter than the speech: must wrap around
        var (mixture, scaledClean) = mixer.MixSignals(clean, noise, offset: 1234, snr);
        Assert.Equal(-26, SpeechLevel.ActiveLevelDbfs(mixture), 2);
        var residual = new float[mixture.Length];
        for (int i = 0; i < residual.Length; i++) residual[i] = mixture[i] - scaledClean[i];
        // The added part is the noise read from the offset, wrapping, at one gain.
        double gain = residual[0] / noise[1234];
        for (int i = 0; i < residual.Length; i += 997) Assert.Equal(gain * noise[(1234 + i) % noise.Length], residual[i], 1e-5);
        // SNR: the clean speech's active level over the noise's RMS, both after the common level gain.
        Assert.Equal(snr, SpeechLevel.ActiveLevelDbfs(scaledClean) - MeanSquareDb(residual), 2);
    }

    [Fact]
    public void CleanFractionOneLeavesTheEncoderInputClean()
    {
        var mixer = new NoiseMixer(SmallStft, new SilenceRule(), -26, -5, 20, cleanFraction: 1);
        var speech = new[] { Speechlike(4000, 3), Speechlike(6000, 4) };
        var frames = mixer.Mix(speech, [WhiteNoise(3000, 5)], new TrainingRandom(9));
        Assert.True(frames.Clean.Frames > 0);
        Assert.Equal(frames.Clean.Power, frames.Noisy.Power);
    }

    [Fact]
    public void MixedFramesAreLouderThanTheCleanOnesAtLowSnr()
    {
        var mixer = new NoiseMixer(SmallStft, new SilenceRule(), -26, -5, -5, cleanFraction: 0);
        var frames = mixer.Mix([Speechlike(8000, 6)], [WhiteNoise(8000, 7)], new TrainingRandom(3));
        // At −5 dB SNR the noise dominates: summed over the file the noisy power is well above the clean power.
        Assert.True(frames.Noisy.Power.Sum() > 2 * frames.Clean.Power.Sum());
    }

    [Fact]
    public void NoisyInputGradientsMatchFiniteDifferencesAndTheFrozenDecoderGetsNone()
    {
        var arch = new VaeArchitecture(Bins: 7, Hidden: 5, Latent: 3);
        var net = new VaeNetwork<double>(arch, threads: 2);
        var rng = new TrainingRandom(21);
        int batch = 4;
        var clean = new double[batch * arch.Bins];
        var noisy = new double[batch * arch.Bins];
        for (int i = 0; i < clean.Length; i++)
        {
            clean[i] = Math.Exp(2 * rng.NextDouble() - 1) * 0.5;
            noisy[i] = clean[i] + Math.Exp(2 * rng.NextDouble() - 1) * 0.3;
        }
        net.Initialize(rng, Enumerable.Repeat(-0.7, arch.Bins).ToArray());
        net.SetInputStatistics(Enumerable.Repeat(-0.5, arch.Bins).ToArray(), Enumerable.Repeat(0.8, arch.Bins).ToArray());
        foreach (var p in net.Parameters)
            for (int i = 0; i < p.Length; i++) p.Value[i] += 0.1 * (rng.NextDouble() - 0.5);
        net.FreezeDecoder();
        var eps = new double[batch * arch.Latent]; rng.FillGaussian(eps);
        double Loss() => net.Evaluate(clean, eps, batch, 1.0, backward: false, encoderInput: noisy).Loss(1.0);
        foreach (var p in net.Parameters) Array.Clear(p.Gradient);
        net.Evaluate(clean, eps, batch, 1.0, backward: true, encoderInput: noisy);
        foreach (var p in net.EncoderParameters)
        {
            var analytic = (double[])p.Gradient.Clone();
            for (int i = 0; i < p.Length; i++)
            {
                double keep = p.Value[i], h = 1e-6;
                p.Value[i] = keep + h; double up = Loss();
                p.Value[i] = keep - h; double down = Loss();
                p.Value[i] = keep;
                double numeric = (up - down) / (2 * h);
                double err = Math.Abs(analytic[i] - numeric) / Math.Max(1e-3, Math.Max(Math.Abs(analytic[i]), Math.Abs(numeric)));
                Assert.True(err <= 1e-4, $"{p.Name}[{i}]: analytic {analytic[i]:G8} vs numeric {numeric:G8}");
            }
        }
        Assert.Contains(net.EncoderParameters, p => p.Gradient.Any(g => g != 0));
        foreach (var p in net.Parameters.Except(net.EncoderParameters)) Assert.All(p.Gradient, g => Assert.Equal(0.0, g));
        // The loss depends on what the encoder hears: fed the clean frames instead, it differs.
        Assert.NotEqual(Loss(), net.Evaluate(clean, eps, batch, 1.0, backward: false).Loss(1.0));
    }

    [Fact]
    public void EncoderTrainingRaisesTheNoisyElboAndKeepsTheDecoderBitExact()
    {
        var stft = new Stft(SmallStft);
        var speech = Enumerable.Range(0, 12).Select(i => Speechlike(6000, 10 + i)).ToArray();
        var noises = new[] { WhiteNoise(9000, 40), WhiteNoise(7000, 41) };
        // A small VAE trained on the clean frames supplies the decoder.
        var silence = new SilenceRule();
        var cleanFrames = speech.SelectMany(s => stft.Analyze(s).Power()).ToArray();
        var train = new FrameSet(SmallStft.Bins, cleanFrames, []);
        var vae = new VaeTrainer(new TrainerSettings
        {
            Architecture = new VaeArchitecture(SmallStft.Bins, Hidden: 12, Latent: 3), Epochs = 4, BatchSize = 64,
            LearningRate = 3e-3, BetaWarmupEpochs = 1, Seed = 2, Threads = 2, Patience = 0,
        }, train, new FrameSet(SmallStft.Bins, [], []), null).Run(resume: false);
        var start = vae.BestWeights;

        var mixer = new NoiseMixer(SmallStft, silence, -26, -5, 10, 0.1);
        var validation = mixer.Mix(speech[..3], noises, new TrainingRandom(77));
        var settings = new EncoderTrainerSettings { Epochs = 4, BatchSize = 64, LearningRate = 3e-3, Seed = 3, Threads = 2, Patience = 0 };
        var result = new NoiseAwareEncoderTrainer(start, -30, 12, settings, mixer, speech[3..], noises, validation).Run();

        Assert.Equal(4, result.EpochsRun);
        Assert.True(result.BestValidation.Elbo > result.InitialValidation.Elbo,
            $"noisy validation ELBO {result.InitialValidation.Elbo:F3} → {result.BestValidation.Elbo:F3}");
        for (int i = 0; i < start.Decoder.Length; i++)
        {
            Assert.Equal(start.Decoder[i].Weight, result.BestWeights.Decoder[i].Weight);
            Assert.Equal(start.Decoder[i].Bias, result.BestWeights.Decoder[i].Bias);
        }
        Assert.NotEqual(start.EncoderMu.Weight, result.BestWeights.EncoderMu.Weight);
        Assert.Equal(start.Input.Mean, result.BestWeights.Input.Mean);
    }
}
