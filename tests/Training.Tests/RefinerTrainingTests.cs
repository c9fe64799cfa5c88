using RealtimeDenoise.Audio;
using RealtimeDenoise.Dsp;
using RealtimeDenoise.Enhancement;
using RealtimeDenoise.Training.Data;
using RealtimeDenoise.Training.Nn;
using RealtimeDenoise.Training.Refiner;
using RealtimeDenoise.Training.Run;

namespace RealtimeDenoise.Training.Tests;

/// <summary>The mask refiner's training: its loss gradient, its mixing, its unbiased bin draws and the command end to end.</summary>
public sealed class RefinerTrainingTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "rtd-refiner-" + Guid.NewGuid().ToString("N"));

    public RefinerTrainingTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void OutputLoss_IsTheCombinedMasksErrorAndItsDerivative()
    {
        var rng = new TrainingRandom(3);
        for (int k = 0; k < 200; k++)
        {
            double o = 6 * rng.NextDouble() - 3;
            float final = (float)(0.03 + 0.97 * rng.NextDouble()), transient = (float)(0.2 + 0.8 * rng.NextDouble()), target = (float)(1.4 * rng.NextDouble() - 0.2);
            double loss = MaskRefinerTrainer.OutputLoss(o, final, transient, target, 2.5, out double gradient);
            float m = MaskRefiner.Combine(final, transient, (float)o, out _);
            Assert.Equal(2.5 * (m - target) * (m - target), loss, 4);
            double h = 1e-5;
            double numeric = (MaskRefinerTrainer.OutputLoss(o + h, final, transient, target, 2.5, out _) - MaskRefinerTrainer.OutputLoss(o - h, final, transient, target, 2.5, out _)) / (2 * h);
            Assert.True(Math.Abs(numeric - gradient) < 1e-6 + 1e-5 * Math.Abs(numeric), $"{gradient} vs {numeric}");
        }
    }

    [Fact]
    public void NetworkGradient_MatchesFiniteDifferences()
    {
        var rng = new TrainingRandom(5);
        var net = MaskRefinerTrainer.Build<double>(hidden: 5, threads: 1, rng);
        const int batch = 6;
        int inputs = MaskRefinerFeatures.Count;
        var x = new double[batch * inputs];
        rng.FillGaussian(x);
        float[] final = [0.05f, 0.3f, 0.9f, 0.5f, 0.0316f, 1f], transient = [1f, 0.5f, 1f, 0.7f, 1f, 0.95f], target = [0.1f, 0.4f, 1.1f, -0.2f, 0f, 0.8f];
        double Loss(out double[] dOutput)
        {
            var o = net.Forward(x, batch);
            double sum = 0;
            dOutput = new double[batch];
            for (int r = 0; r < batch; r++) sum += MaskRefinerTrainer.OutputLoss(o[r], final[r], transient[r], target[r], 1 + r, out dOutput[r]);
            return sum;
        }
        Loss(out var d);
        foreach (var p in net.Parameters) Array.Clear(p.Gradient);
        net.Backward(d, batch, needInputGradient: false);
        int checkedCount = 0;
        foreach (var p in net.Parameters)
            for (int i = 0; i < p.Length; i += Math.Max(1, p.Length / 40))
            {
                double keep = p.Value[i], h = 1e-6;
                p.Value[i] = keep + h; double up = Loss(out _);
                p.Value[i] = keep - h; double down = Loss(out _);
                p.Value[i] = keep;
                double numeric = (up - down) / (2 * h);
                Assert.True(Math.Abs(numeric - p.Gradient[i]) < 1e-5 + 1e-4 * Math.Abs(numeric), $"{p.Name}[{i}]: {p.Gradient[i]} vs {numeric}");
                checkedCount++;
            }
        Assert.True(checkedCount > 60, $"{checkedCount} checked");
    }

    [Fact]
    public void EvaluationMixer_HitsTheSnrAndKeepsThePeak()
    {
        var rng = new TrainingRandom(7);
        var speech = new float[16000];
        var noise = new float[40000];
        for (int i = 0; i < speech.Length; i++) speech[i] = 0.8f * MathF.Sin(i * 0.05f) * (i % 4000 < 2000 ? 1 : 0.1f);
        // An intermittent noise: silent for its first half, so a stretch from there is drawn again.
        for (int i = 20000; i < noise.Length; i++) noise[i] = (float)(rng.NextDouble() - 0.5);
        foreach (double snr in new[] { -5.0, 0, 5, 10 })
        {
            var (noisy, clean) = EvaluationMixer.Mix(speech, noise, snr, rng);
            double s = clean.Sum(v => (double)v * v), n = noisy.Zip(clean, (a, b) => (double)(a - b) * (a - b)).Sum();
            Assert.Equal(snr, 10 * Math.Log10(s / n), 3);
            Assert.True(noisy.Max(Math.Abs) <= EvaluationMixer.PeakLimit + 1e-6f);
            // A silent stretch would have left the mixture clean (infinite SNR above); clean and speech differ by one scale.
            double ratio = clean[100] / speech[100];
            Assert.All(Enumerable.Range(0, speech.Length).Where(i => i % 97 == 0), i => Assert.Equal(ratio * speech[i], clean[i], 5));
        }
    }

    [Fact]
    public void Sampler_DrawsAnUnbiasedEstimateOfTheFinalMasksError()
    {
        // E[weight · (m_final − t)²] over the draws = Σ_i w_i (m_final − t)² / N = 1/N, since each mixture's error is normalised to 1.
        var config = new StftConfig(256, 64, 16000);
        var rng = new TrainingRandom(11);
        var clean = new float[8000];
        var noisy = new float[8000];
        for (int i = 0; i < clean.Length; i++)
        {
            clean[i] = 0.3f * MathF.Sin(i * 0.07f) * (i % 2000 < 1000 ? 1 : 0.05f);
            noisy[i] = clean[i] + 0.05f * (float)(rng.NextDouble() - 0.5);
        }
        var spec = new Stft(config).Analyze(noisy);
        int n = spec.Frames * spec.Bins;
        float[] Fill(float v) => Enumerable.Repeat(v, n).ToArray();
        var final = Enumerable.Range(0, n).Select(i => (float)(0.05 + 0.9 * ((i * 7919) % 101) / 100.0)).ToArray();
        var stages = new OfflineMaskStages(spec, spec.Power(), Fill(0.5f), Fill(0.5f), Fill(0.5f), Fill(1e-4f), Fill(1f), final);
        const int draws = 40000;
        var sampler = new RefinerSampler(config, draws) { Clean = clean, Random = new TrainingRandom(13) };
        sampler.OnSegment(0, clean.Length, stages);
        var set = Assert.Single(sampler.TakeDrawn());
        double estimate = 0;
        for (int k = 0; k < draws; k++) estimate += set.Weight[k] * (set.Final[k] - set.Target[k]) * (set.Final[k] - set.Target[k]);
        estimate /= draws;
        Assert.InRange(estimate * n, 0.95, 1.05);
        Assert.Empty(sampler.TakeDrawn());
    }

    /// <summary>Three harmonic-burst "speech" files and one white noise file; returns their folders.</summary>
    private (string Speech, string Noise) WriteTinyCorpus()
    {
        var rng = new TrainingRandom(17);
        var speechDir = Path.Combine(_dir, "speech");
        var noiseDir = Path.Combine(_dir, "noise");
        Directory.CreateDirectory(speechDir);
        Directory.CreateDirectory(noiseDir);
        for (int f = 0; f < 3; f++)
        {
            // Harmonic bursts: something the enhancer keeps.
            var x = new float[16000];
            double f0 = 120 + 40 * f;
            for (int i = 0; i < x.Length; i++)
                x[i] = (i % 6000 < 3500 ? 1f : 0f) * (float)Enumerable.Range(1, 8).Sum(h => 0.05 / h * Math.Sin(2 * Math.PI * f0 * h * i / 16000));
            WaveFileWriter.WriteAll(Path.Combine(speechDir, $"s{f}.wav"), [x], WaveFormat.Pcm16(16000, 1));
        }
        var noise = new float[32000];
        for (int i = 0; i < noise.Length; i++) noise[i] = 0.1f * (float)(rng.NextDouble() - 0.5);
        WaveFileWriter.WriteAll(Path.Combine(noiseDir, "n.wav"), [noise], WaveFormat.Pcm16(16000, 1));
        return (speechDir, noiseDir);
    }

    [Fact]
    public void TrainRefiner_WritesARefinerTheEngineReads()
    {
        var (speechDir, noiseDir) = WriteTinyCorpus();
        string output = Path.Combine(_dir, "out", MaskRefiner.FileName);
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int rc = TrainCommandLine.Execute(["train-refiner", "--data", speechDir, "--noise", noiseDir, "--out", output, "--mixtures", "4",
            "--samples-per-mixture", "300", "--epochs", "2", "--batch", "128", "--hidden", "8", "--jobs", "2", "--val-fraction", "0.3"], stdout, stderr, default);
        Assert.True(rc == TrainCommandLine.ExitOk, stderr.ToString() + stdout);
        var refiner = MaskRefiner.Load(output);
        Assert.Equal(3, refiner.Weights.Layers.Count);
        Assert.Equal(8, refiner.Weights.Layers[0].Outputs);
        Assert.Contains("train-refiner", refiner.Weights.Description);
        Assert.Contains("epoch 2/2", stdout.ToString());

        // Bad invocations are usage errors, and nothing is written over a folder.
        Assert.Equal(TrainCommandLine.ExitUsage, TrainCommandLine.Execute(["train-refiner", "--data", speechDir, "--out", output], TextWriter.Null, TextWriter.Null, default));
        Assert.Equal(TrainCommandLine.ExitUsage, TrainCommandLine.Execute(["train-refiner", "--data", speechDir, "--noise", noiseDir, "--out", _dir], TextWriter.Null, TextWriter.Null, default));
        Assert.Equal(TrainCommandLine.ExitUsage, TrainCommandLine.Execute(["train-refiner", "--data", speechDir, "--noise", noiseDir, "--out", output, "--mixtures", "0"], TextWriter.Null, TextWriter.Null, default));
    }

    [Fact]
    public void TrainRefiner_BinsFile_RefitsWithoutEnhancingAndRefusesBinsOfOtherSettings()
    {
        var (speechDir, noiseDir) = WriteTinyCorpus();
        string bins = Path.Combine(_dir, "bins.dat");
        string[] Args(string output, params string[] more) =>
            ["train-refiner", "--data", speechDir, "--noise", noiseDir, "--out", output, "--bins", bins, "--mixtures", "4", "--samples-per-mixture", "300",
             "--epochs", "2", "--batch", "128", "--hidden", "8", "--jobs", "2", "--threads", "1", "--val-fraction", "0.3", .. more];
        string first = Path.Combine(_dir, "first.json"), second = Path.Combine(_dir, "second.json");

        var stdout = new StringWriter();
        var stderr = new StringWriter();
        Assert.True(TrainCommandLine.Execute(Args(first), stdout, stderr, default) == TrainCommandLine.ExitOk, stderr.ToString() + stdout);
        Assert.Contains("enhanced 4/4", stdout.ToString());
        Assert.Contains("wrote the bins", stdout.ToString());
        byte[] written = File.ReadAllBytes(bins);

        // The refit reads the bins instead of enhancing, and fits the same weights from them.
        stdout = new StringWriter();
        Assert.True(TrainCommandLine.Execute(Args(second), stdout, stderr, default) == TrainCommandLine.ExitOk, stderr.ToString() + stdout);
        Assert.DoesNotContain("enhanced", stdout.ToString());
        Assert.Contains("read the bins of 4 mixtures", stdout.ToString());
        var a = MaskRefiner.Load(first).Weights;
        var b = MaskRefiner.Load(second).Weights;
        Assert.Equal(a.InputMean, b.InputMean);
        Assert.Equal(a.InputScale, b.InputScale);
        for (int l = 0; l < a.Layers.Count; l++)
        {
            Assert.Equal(a.Layers[l].Weight, b.Layers[l].Weight);
            Assert.Equal(a.Layers[l].Bias, b.Layers[l].Bias);
        }

        // Other draws (another seed) or other audio are refused, and the file is left as it was.
        stderr = new StringWriter();
        Assert.Equal(TrainCommandLine.ExitError, TrainCommandLine.Execute(Args(second, "--seed", "2"), TextWriter.Null, stderr, default));
        Assert.Contains("other audio, settings", stderr.ToString());
        WaveFileWriter.WriteAll(Path.Combine(speechDir, "s3.wav"), [new float[8000]], WaveFormat.Pcm16(16000, 1));
        Assert.Equal(TrainCommandLine.ExitError, TrainCommandLine.Execute(Args(second), TextWriter.Null, TextWriter.Null, default));
        Assert.Equal(written, File.ReadAllBytes(bins));
        File.Delete(Path.Combine(speechDir, "s3.wav"));

        // A cut-off file is reported as damaged, not read as fewer bins.
        File.WriteAllBytes(bins, written[..(written.Length - 100)]);
        stderr = new StringWriter();
        Assert.Equal(TrainCommandLine.ExitError, TrainCommandLine.Execute(Args(second), TextWriter.Null, stderr, default));
        Assert.Contains("damaged", stderr.ToString());

        Assert.Equal(TrainCommandLine.ExitUsage, TrainCommandLine.Execute(Args(bins), TextWriter.Null, TextWriter.Null, default));
    }

    private static MaskRefinerWeights RandomRefiner(int[] hidden, int seed)
    {
        var r = new Random(seed);
        float[] Values(int n, double scale, double offset = 0) => [.. Enumerable.Range(0, n).Select(_ => (float)(offset + (r.NextDouble() * 2 - 1) * scale))];
        int[] sizes = [MaskRefinerFeatures.Count, .. hidden, 1];
        return new MaskRefinerWeights
        {
            Description = $"random {seed}",
            InputMean = Values(MaskRefinerFeatures.Count, 1),
            InputScale = Values(MaskRefinerFeatures.Count, 0.5, 1),
            Layers = [.. sizes.Skip(1).Select((outputs, l) => new MaskRefinerLayer
            {
                Inputs = sizes[l], Outputs = outputs, Weight = Values(outputs * sizes[l], 0.3), Bias = Values(outputs, 0.3),
            })],
        };
    }

    [Fact]
    public void AverageRefiners_WritesARefinerWhoseCorrectionIsTheMeanOfTheirs()
    {
        MaskRefinerWeights[] refiners = [RandomRefiner([5, 7, 4], seed: 1), RandomRefiner([6, 3, 2], seed: 2), RandomRefiner([4, 4, 4], seed: 3)];
        string[] files = [.. refiners.Select((w, i) => Path.Combine(_dir, $"r{i}.json"))];
        for (int i = 0; i < files.Length; i++) File.WriteAllText(files[i], new MaskRefiner(refiners[i]).ToJson());
        string output = Path.Combine(_dir, "average.json");
        var stdout = new StringWriter();
        Assert.Equal(TrainCommandLine.ExitOk, TrainCommandLine.Execute(["average-refiners", "--out", output, .. files], stdout, TextWriter.Null, default));
        var average = MaskRefiner.Load(output);
        Assert.Equal([97, 15, 14, 10], average.Weights.Layers.Select(l => l.Inputs));

        const int rows = 64;
        var r = new Random(9);
        float[] x = [.. Enumerable.Range(0, rows * MaskRefinerFeatures.Count).Select(_ => (float)(r.NextDouble() * 4 - 2))];
        var scratch = new float[2 * rows * 32];
        float[] Evaluate(MaskRefiner m) { var o = new float[rows]; m.Evaluate(x, rows, o, scratch); return o; }
        var expected = new double[rows];
        foreach (var w in refiners)
        {
            var o = Evaluate(new MaskRefiner(w));
            for (int i = 0; i < rows; i++) expected[i] += o[i] / refiners.Length;
        }
        var actual = Evaluate(average);
        Assert.Contains(expected, e => Math.Abs(e) > 0.1); // the check below is not trivially met by zeros
        for (int i = 0; i < rows; i++) Assert.Equal(expected[i], actual[i], 1e-4);

        // Networks of different depths cannot be merged this way; one input is not an average; inputs are never overwritten.
        File.WriteAllText(files[2], new MaskRefiner(RandomRefiner([4, 4], seed: 4)).ToJson());
        var stderr = new StringWriter();
        Assert.Equal(TrainCommandLine.ExitError, TrainCommandLine.Execute(["average-refiners", "--out", output, .. files], TextWriter.Null, stderr, default));
        Assert.Contains("same number of layers", stderr.ToString());
        Assert.Equal(TrainCommandLine.ExitUsage, TrainCommandLine.Execute(["average-refiners", "--out", output, files[0]], TextWriter.Null, TextWriter.Null, default));
        Assert.Equal(TrainCommandLine.ExitUsage, TrainCommandLine.Execute(["average-refiners", "--out", files[0], files[0], files[1]], TextWriter.Null, TextWriter.Null, default));
    }
}
