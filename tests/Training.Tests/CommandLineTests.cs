using RealtimeDenoise.Audio;
using RealtimeDenoise.Models;
using RealtimeDenoise.Training.Nn;
using RealtimeDenoise.Training.Run;

namespace RealtimeDenoise.Training.Tests;

/// <summary>`train` end to end on a few small WAV files: resampling, a corrupt file, the package and its card.</summary>
public sealed class CommandLineTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "rtd-cli-" + Guid.NewGuid().ToString("N"));

    public CommandLineTests() => Directory.CreateDirectory(Path.Combine(_dir, "wav", "sub"));

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>Stereo noise through a random two-pole resonance, at 22.05 kHz (so the trainer must downmix and resample).</summary>
    private void WriteWav(string name, ulong seed)
    {
        var rng = new TrainingRandom(seed);
        int n = 22050;
        var white = new double[n];
        rng.FillGaussian(white);
        double r = 0.95, theta = 0.2 + 2 * rng.NextDouble();
        var left = new float[n];
        double y1 = 0, y2 = 0;
        for (int i = 0; i < n; i++)
        {
            double y = 0.01 * white[i] + 2 * r * Math.Cos(theta) * y1 - r * r * y2;
            y2 = y1; y1 = y;
            left[i] = (float)y;
        }
        var right = left.Select(v => 0.5f * v).ToArray();
        WaveFileWriter.WriteAll(Path.Combine(_dir, "wav", name), [left, right], WaveFormat.Pcm16(22050, 2));
    }

    [Fact]
    public void TrainWritesALoadablePackageAndCountsSkippedFiles()
    {
        for (int i = 0; i < 5; i++) WriteWav(i < 3 ? $"a{i}.wav" : $"sub/b{i}.wav", (ulong)i + 1);
        File.WriteAllText(Path.Combine(_dir, "wav", "broken.wav"), "not audio");
        string outDir = Path.Combine(_dir, "model");
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int rc = TrainCommandLine.Execute(["train", "--data", Path.Combine(_dir, "wav"), "--out", outDir, "--n-fft", "128", "--hop", "32",
            "--hidden", "8", "--latent", "2", "--epochs", "2", "--batch", "64", "--val-fraction", "0.2", "--threads", "1"], stdout, stderr, default);
        Assert.True(rc == 0, stderr.ToString());
        Assert.Contains("broken.wav", stderr.ToString());
        Assert.Contains("6 files, 1 skipped", stdout.ToString());

        var (weights, card) = ModelPackage.ReadWeights(outDir);
        Assert.Equal(65, card.Bins);
        Assert.Equal(2, weights.LatentDim);
        Assert.Equal(4, card.Training!.FilesTrain);
        Assert.Equal(1, card.Training.FilesValidation);
        Assert.Equal(2, card.Training.Epochs);
        Assert.Contains("60 dB", card.Training.SilenceRule);
        Assert.True(double.IsFinite(card.ValidationElbo!.Value));
        Assert.True(File.Exists(Path.Combine(outDir, ".training", "checkpoint.bin")));
        Assert.NotEmpty(Directory.GetFiles(Path.Combine(outDir, ".cache")));
    }

    [Fact]
    public void NoUsableAudioIsAnErrorExitAndBadOptionsAreUsageErrors()
    {
        File.WriteAllText(Path.Combine(_dir, "wav", "broken.wav"), "not audio");
        var stderr = new StringWriter();
        Assert.Equal(TrainCommandLine.ExitError, TrainCommandLine.Execute(["train", "--data", Path.Combine(_dir, "wav"), "--out", Path.Combine(_dir, "m")], TextWriter.Null, stderr, default));
        Assert.Contains("No usable frames", stderr.ToString());
        Assert.Equal(TrainCommandLine.ExitUsage, TrainCommandLine.Execute(["train", "--data", "x", "--out", "y", "--epochz", "3"], TextWriter.Null, TextWriter.Null, default));
        Assert.Equal(TrainCommandLine.ExitUsage, TrainCommandLine.Execute(["train", "--data", "x", "--out", "y", "--n-fft", "500"], TextWriter.Null, TextWriter.Null, default));
        Assert.Equal(TrainCommandLine.ExitUsage, TrainCommandLine.Execute(["train", "--out", "y"], TextWriter.Null, TextWriter.Null, default));
    }
}
