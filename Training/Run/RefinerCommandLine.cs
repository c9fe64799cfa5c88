using System.Diagnostics;
using System.Globalization;
using RealtimeDenoise.Dsp;
using RealtimeDenoise.Enhancement;
using RealtimeDenoise.IO;
using RealtimeDenoise.Models;
using RealtimeDenoise.Training.Data;
using RealtimeDenoise.Training.Nn;
using RealtimeDenoise.Training.Refiner;

namespace RealtimeDenoise.Training.Run;

/// <summary>`train-refiner`: mixtures → the offline enhancer's stages → drawn bins → the <see cref="MaskRefiner"/>'s weights.</summary>
public static class RefinerCommandLine
{
    public static readonly string[] ValueOptions =
    [
        "--data", "--noise", "--out", "--model", "--mixtures", "--samples-per-mixture", "--hidden", "--epochs", "--batch", "--lr",
        "--lr-decay", "--seed", "--threads", "--jobs", "--val-fraction", "--bins",
    ];

    public const string Usage =
        "usage: train-refiner --data DIR|LIST --noise DIR|LIST --out FILE [options]\n\n" +
        "Trains the offline enhancer's mask refiner: mixes speech with noise at -5/0/5/10 dB the way the evaluation sets are\n" +
        "mixed, runs the offline enhancer (refiner off) on each mixture, draws bins of its stages with the clean speech as\n" +
        "the target, and fits the refiner's network. Writes FILE (JSON; models/default/mask-refiner.json is the one embedded).\n\n" +
        "  --data DIR|LIST          clean speech (as for train)     --noise DIR|LIST   noise recordings\n" +
        "  --model DIR              speech model package whose masks are refined (default: the embedded one, with its companion)\n" +
        "  --mixtures N             mixtures to enhance (default 800; about 2 s of CPU each)\n" +
        "  --samples-per-mixture N  bins drawn per mixture (default 8000)\n" +
        "  --val-fraction X         speech files kept for validation mixtures (default 0.1)\n" +
        "  --bins FILE              keep the drawn bins in FILE, and reuse them when it exists and was drawn from the same\n" +
        "                           audio, model, mixing options and Engine build: a refit then skips the enhancement\n" +
        "                           (the bins take about 3.2 MB per mixture at 8000 per mixture, in memory and in FILE)\n" +
        "  --hidden H               units of the two hidden layers (default 48)\n" +
        "  --epochs N (6)  --batch N (4096)  --lr X (3e-3)  --lr-decay X per epoch (0.7)\n" +
        "  --seed S (1)    --jobs J  mixtures enhanced at once (default: all cores)    --threads T  for the fit (default: all cores)";

    public static int TrainRefiner(IReadOnlyList<string> args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        var o = new CommandOptions(args, ValueOptions, ["--help", "-h"]);
        if (o.Flag("--help") || o.Flag("-h")) { stdout.WriteLine(Usage); return TrainCommandLine.ExitOk; }
        string data = o.Required("--data"), noiseData = o.Required("--noise"), output = Path.GetFullPath(o.Required("--out"));
        string? modelDir = o.String("--model"), binsPath = o.String("--bins");
        int mixtures = o.Int("--mixtures", 800, 1, 1_000_000), perMixture = o.Int("--samples-per-mixture", 8000, 1, 1_000_000);
        int seed = o.Int("--seed", 1), jobs = o.Int("--jobs", Environment.ProcessorCount, 1, 256);
        double valFraction = o.Double("--val-fraction", 0.1, 0, 0.9);
        var settings = new RefinerTrainerSettings
        {
            Hidden = o.Int("--hidden", 48, 1, 4096),
            Epochs = o.Int("--epochs", 6, 1, 10_000),
            BatchSize = o.Int("--batch", 4096, 1, 1 << 20),
            LearningRate = o.Double("--lr", 3e-3, 1e-9, 1),
            LearningRateDecay = o.Double("--lr-decay", 0.7, 1e-3, 1),
            Seed = seed,
            Threads = o.Int("--threads", Environment.ProcessorCount, 1, 256),
        };
        if (Directory.Exists(output)) throw new CommandLineException($"--out {output} is a folder; give the refiner file's path (e.g. models/default/{MaskRefiner.FileName})");
        if (binsPath is not null)
        {
            binsPath = Path.GetFullPath(binsPath);
            if (Directory.Exists(binsPath)) throw new CommandLineException($"--bins {binsPath} is a folder; give a file's path");
            if (binsPath == output) throw new CommandLineException("--bins and --out name the same file");
        }

        var clock = Stopwatch.StartNew();
        ModelCard card;
        using (var probe = ModelPackage.Load(modelDir)) card = probe.Card; // fails early and clearly on a bad package
        var stft = new StftConfig(card.FftSize, card.HopSize, card.SampleRate);
        int warnings = 0;
        void Warn(string w) { if (warnings++ < 20) stderr.WriteLine($"warning: {w}"); }
        var (_, speech) = TrainCommandLine.LoadSignals(AudioFileList.Resolve(data), card.SampleRate, Warn, cancellationToken);
        var (_, noises) = TrainCommandLine.LoadSignals(AudioFileList.Resolve(noiseData), card.SampleRate, Warn, cancellationToken);
        if (speech.Count < 2) throw new InvalidDataException($"{data}: need at least two readable speech files, found {speech.Count}.");
        if (noises.Count == 0) throw new InvalidDataException($"{noiseData}: no readable noise recordings.");
        var isVal = CorpusFrames.ValidationFiles(speech.Count, valFraction, seed);
        int[] trainSpeech = [.. Enumerable.Range(0, speech.Count).Where(i => !isVal[i])], valSpeech = [.. Enumerable.Range(0, speech.Count).Where(i => isVal[i])];
        int valMixtures = valSpeech.Length == 0 ? 0 : Math.Max(1, (int)Math.Round(mixtures * valFraction));

        // The plan is drawn up front from one generator, so it does not depend on how the work is spread.
        var plan = new (int Speech, int Noise, double SnrDb, bool Validation)[mixtures];
        var planRandom = new TrainingRandom((ulong)seed ^ 0x4EF1_4E5UL);
        double[] snrs = [-5, 0, 5, 10];
        for (int i = 0; i < mixtures; i++)
        {
            bool val = i >= mixtures - valMixtures;
            var pool = val ? valSpeech : trainSpeech;
            plan[i] = (pool[planRandom.NextInt(pool.Length)], planRandom.NextInt(noises.Count), snrs[i % snrs.Length], val);
        }
        stdout.WriteLine(Invariant($"data: {speech.Count} speech files ({trainSpeech.Length} training, {valSpeech.Length} validation), {noises.Count} noise recordings; {mixtures} mixtures ({valMixtures} validation), {jobs} at once"));

        string? fingerprint = binsPath is null ? null : RefinerBinsFile.Fingerprint(speech, noises, modelDir,
            Invariant($"mixtures {mixtures}, per mixture {perMixture}, seed {seed}, validation {valFraction:R}"));
        List<RefinerSamples>[] drawn;
        if (binsPath is not null && File.Exists(binsPath))
        {
            drawn = RefinerBinsFile.Read(binsPath, fingerprint!, mixtures);
            stdout.WriteLine(Invariant($"read the bins of {mixtures} mixtures from {binsPath} in {clock.Elapsed.TotalSeconds:F0} s"));
        }
        else
        {
            drawn = DrawBins(plan, speech, noises, modelDir, stft, perMixture, seed, jobs, stdout, clock, cancellationToken);
            if (binsPath is not null)
            {
                RefinerBinsFile.Write(binsPath, fingerprint!, drawn);
                stdout.WriteLine($"wrote the bins to {binsPath}");
            }
        }

        var train = plan.Select((p, i) => (p, i)).Where(x => !x.p.Validation).SelectMany(x => drawn[x.i]).ToList();
        var validation = plan.Select((p, i) => (p, i)).Where(x => x.p.Validation).SelectMany(x => drawn[x.i]).ToList();
        stdout.WriteLine(Invariant($"bins: {train.Sum(t => t.Count):N0} training, {validation.Sum(t => t.Count):N0} validation; fitting {MaskRefinerFeatures.Count} → {settings.Hidden} → {settings.Hidden} → 1, {settings.Threads} threads"));
        var result = new MaskRefinerTrainer(settings).Train(train, validation, stdout.WriteLine, cancellationToken);
        result.Weights.Description =
            Invariant($"train-refiner {string.Join(' ', args)}; {speech.Count} speech files, {noises.Count} noises, {mixtures} mixtures ({valMixtures} validation); ") +
            Invariant($"validation loss {result.InitialLoss:F5} (final mask) → {result.EpochLosses[result.BestEpoch - 1]:F5} (epoch {result.BestEpoch} of {result.EpochLosses.Count})");
        WriteRefiner(output, result.Weights);
        stdout.WriteLine(Invariant($"wrote {output} (best epoch {result.BestEpoch}); total {clock.Elapsed.TotalSeconds:F0} s"));
        return TrainCommandLine.ExitOk;
    }

    public const string AverageUsage =
        "usage: average-refiners --out FILE REFINER.json REFINER.json [...]\n\n" +
        "Writes one refiner whose correction is the mean of the given refiners' (separately trained train-refiner runs):\n" +
        "an ensemble the Engine reads like any other refiner file, as wide as their hidden layers together.";

    public static int AverageRefiners(IReadOnlyList<string> args, TextWriter stdout)
    {
        string? output = null;
        var inputs = new List<string>();
        for (int i = 0; i < args.Count; i++)
        {
            if (args[i] is "--help" or "-h") { stdout.WriteLine(AverageUsage); return TrainCommandLine.ExitOk; }
            if (args[i] == "--out") output = i + 1 < args.Count ? Path.GetFullPath(args[++i]) : throw new CommandLineException("option --out needs a value");
            else if (args[i].StartsWith('-')) throw new CommandLineException($"unknown option {args[i]}");
            else inputs.Add(Path.GetFullPath(args[i]));
        }
        if (output is null) throw new CommandLineException("--out is required");
        if (inputs.Count < 2) throw new CommandLineException("give two or more refiner files to average");
        if (inputs.Contains(output)) throw new CommandLineException("--out names one of the inputs; inputs are never overwritten");
        if (Directory.Exists(output)) throw new CommandLineException($"--out {output} is a folder; give the refiner file's path");
        var averaged = MaskRefinerAverage.Average([.. inputs.Select(f => MaskRefiner.Load(f).Weights)]);
        WriteRefiner(output, averaged);
        stdout.WriteLine(Invariant($"wrote {output}: the mean of {inputs.Count} refiners, {string.Join(" → ", averaged.Layers.Select(l => l.Inputs))} → 1"));
        return TrainCommandLine.ExitOk;
    }

    /// <summary>Enhances each planned mixture (refiner off) on <paramref name="jobs"/> workers and draws its bins.</summary>
    private static List<RefinerSamples>[] DrawBins((int Speech, int Noise, double SnrDb, bool Validation)[] plan, List<float[]> speech, List<float[]> noises,
        string? modelDir, StftConfig stft, int perMixture, int seed, int jobs, TextWriter stdout, Stopwatch clock, CancellationToken cancellationToken)
    {
        int mixtures = plan.Length;
        var drawn = new List<RefinerSamples>[mixtures];
        int done = 0;
        double audioSeconds = 0;
        var progressLock = new object();
        var workers = Enumerable.Range(0, Math.Min(jobs, mixtures)).Select(w => Task.Run(() =>
        {
            using var model = ModelPackage.Load(modelDir);
            using var companion = modelDir is null && ModelPackage.HasEmbeddedCompanion ? ModelPackage.LoadCompanion() : null;
            var sampler = new RefinerSampler(stft, perMixture);
            var enhancer = new OfflineEnhancer(model, new OfflineOptions { MaskRefiner = null }, companion) { StageObserver = sampler };
            for (int i = w; i < mixtures; i += jobs)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var (s, n, snr, _) = plan[i];
                var random = new TrainingRandom((ulong)seed * 0x9E3779B97F4A7C15UL ^ (ulong)i);
                var (noisy, clean) = EvaluationMixer.Mix(speech[s], noises[n], snr, random);
                sampler.Clean = clean;
                sampler.Random = random;
                enhancer.Enhance(noisy, cancellationToken: cancellationToken);
                drawn[i] = sampler.TakeDrawn();
                lock (progressLock)
                {
                    done++;
                    audioSeconds += (double)noisy.Length / stft.SampleRate;
                    if (done % 50 == 0 || done == mixtures)
                        stdout.WriteLine(Invariant($"enhanced {done}/{mixtures} mixtures ({audioSeconds / 60:F1} min of audio) in {clock.Elapsed.TotalSeconds:F0} s"));
                }
            }
        }, cancellationToken)).ToArray();
        try { Task.WaitAll(workers); }
        catch (AggregateException e) when (e.InnerExceptions.All(x => x is OperationCanceledException)) { throw new OperationCanceledException(cancellationToken); }
        catch (AggregateException e) { throw e.InnerExceptions[0]; }
        return drawn;
    }

    /// <summary>Writes the refiner file atomically, once the Engine has read the weights back (the check that it can).</summary>
    private static void WriteRefiner(string output, MaskRefinerWeights weights)
    {
        var refiner = new MaskRefiner(weights);
        string? dir = Path.GetDirectoryName(output);
        if (dir is not null) Directory.CreateDirectory(dir);
        AtomicFile.WriteAllText(output, refiner.ToJson());
    }

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
