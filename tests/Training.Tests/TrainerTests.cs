using RealtimeDenoise.Models;
using RealtimeDenoise.Training.Data;
using RealtimeDenoise.Training.Model;
using RealtimeDenoise.Training.Run;

namespace RealtimeDenoise.Training.Tests;

public sealed class TrainerTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "rtd-trainer-" + Guid.NewGuid().ToString("N"));
    private static readonly FrameSet Train = SyntheticSpectra.Make(1200, 17, 1);
    private static readonly FrameSet Validation = SyntheticSpectra.Make(300, 17, 2);

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    private static TrainerSettings Settings(int epochs, int threads = 2, int seed = 5) => new()
    {
        Architecture = new VaeArchitecture(Bins: 17, Hidden: 12, Latent: 3),
        Epochs = epochs, BatchSize = 64, LearningRate = 3e-3, BetaWarmupEpochs = 1, Seed = seed, Threads = threads, Patience = 0,
    };

    private sealed class Recorder : ITrainingObserver
    {
        public List<double> Losses { get; } = [];
        public List<EpochRecord> Epochs { get; } = [];
        public Action<BatchProgress>? OnBatch { get; init; }
        public void BatchCompleted(BatchProgress p) { Losses.Add(p.Loss); OnBatch?.Invoke(p); }
        public void EpochCompleted(EpochRecord r) => Epochs.Add(r);
        public void Message(string text) { }
    }

    private static void AssertSameWeights(VaeWeights a, VaeWeights b)
    {
        var la = a.EncoderHidden.Concat([a.EncoderMu, a.EncoderLogVar]).Concat(a.Decoder).ToArray();
        var lb = b.EncoderHidden.Concat([b.EncoderMu, b.EncoderLogVar]).Concat(b.Decoder).ToArray();
        Assert.Equal(la.Length, lb.Length);
        for (int i = 0; i < la.Length; i++)
        {
            Assert.Equal(la[i].Weight, lb[i].Weight);
            Assert.Equal(la[i].Bias, lb[i].Bias);
        }
    }

    [Fact]
    public void TrainingOnSyntheticSpectraLowersTheLossAndRaisesValidationElbo()
    {
        var recorder = new Recorder();
        var result = new VaeTrainer(Settings(6) with { BetaWarmupEpochs = 0 }, Train, Validation, null, recorder).Run(resume: false);
        // Average loss over consecutive windows of batches must fall window after window.
        int window = recorder.Losses.Count / 4;
        var means = Enumerable.Range(0, 4).Select(w => recorder.Losses.Skip(w * window).Take(window).Average()).ToArray();
        for (int i = 1; i < means.Length; i++) Assert.True(means[i] < means[i - 1], $"window means {string.Join(", ", means)}");
        Assert.True(recorder.Epochs[^1].Validation.Elbo > recorder.Epochs[0].Validation.Elbo);
        Assert.Equal(TrainingStop.Completed, result.Stop);
        Assert.True(double.IsFinite(result.BestValidationElbo));
    }

    [Fact]
    public void SameSeedGivesTheSameModelWhateverTheThreadCount()
    {
        var a = new VaeTrainer(Settings(2, threads: 1), Train, Validation, null).Run(false);
        var b = new VaeTrainer(Settings(2, threads: 2), Train, Validation, null).Run(false);
        var c = new VaeTrainer(Settings(2, seed: 6), Train, Validation, null).Run(false);
        AssertSameWeights(a.LastWeights, b.LastWeights);
        Assert.NotEqual(a.LastWeights.EncoderMu.Weight, c.LastWeights.EncoderMu.Weight);
    }

    [Fact]
    public void ResumeAfterOneEpochEqualsTwoEpochsStraight()
    {
        var straight = new VaeTrainer(Settings(2), Train, Validation, null).Run(false);
        string ckpt = Path.Combine(_dir, "checkpoint.bin");
        new VaeTrainer(Settings(1), Train, Validation, ckpt).Run(false);
        var resumed = new VaeTrainer(Settings(2), Train, Validation, ckpt).Run(true);
        AssertSameWeights(straight.LastWeights, resumed.LastWeights);
        AssertSameWeights(straight.BestWeights, resumed.BestWeights);
        Assert.Equal(straight.History.Select(h => h.Validation.Elbo), resumed.History.Select(h => h.Validation.Elbo));
    }

    [Fact]
    public void CancelMidEpochSavesACheckpointThatResumesExactly()
    {
        var straight = new VaeTrainer(Settings(2), Train, Validation, null).Run(false);
        string ckpt = Path.Combine(_dir, "checkpoint.bin");
        using var cts = new CancellationTokenSource();
        var recorder = new Recorder { OnBatch = p => { if (p.Epoch == 1 && p.Batch == 7) cts.Cancel(); } };
        var stopped = new VaeTrainer(Settings(2), Train, Validation, ckpt, recorder).Run(false, cts.Token);
        Assert.Equal(TrainingStop.Cancelled, stopped.Stop);
        Assert.True(File.Exists(ckpt));
        var resumed = new VaeTrainer(Settings(2), Train, Validation, ckpt).Run(true);
        AssertSameWeights(straight.LastWeights, resumed.LastWeights);
    }

    [Fact]
    public void ResumeRefusesACheckpointFromOtherSettings()
    {
        string ckpt = Path.Combine(_dir, "checkpoint.bin");
        new VaeTrainer(Settings(1), Train, Validation, ckpt).Run(false);
        var other = Settings(2) with { LearningRate = 1e-2 };
        Assert.Throws<InvalidDataException>(() => new VaeTrainer(other, Train, Validation, ckpt).Run(true));
    }
}
