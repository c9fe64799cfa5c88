using System.Diagnostics;
using System.Globalization;
using System.Text;
using RealtimeDenoise.Dsp;
using RealtimeDenoise.IO;
using RealtimeDenoise.Models;
using RealtimeDenoise.Training.Data;
using RealtimeDenoise.Training.Model;
using RealtimeDenoise.Training.Nn;

namespace RealtimeDenoise.Training.Run;

/// <summary>
/// `train` and `evaluate`, shared by `dotnet run --project Training -- …` and `rtdenoise train …`.
/// </summary>
public static class TrainCommandLine
{
    public const int ExitOk = 0, ExitUsage = 2, ExitError = 3, ExitCancelled = 130;

    /// <summary>Options that take a value, for hosts that need to forward them.</summary>
    public static readonly string[] TrainValueOptions =
    [
        "--data", "--out", "--cache", "--n-fft", "--hop", "--sample-rate", "--hidden", "--latent", "--layers", "--activation",
        "--epochs", "--batch", "--lr", "--beta-warmup", "--seed", "--threads", "--val-fraction", "--patience", "--clip",
        "--weight-decay", "--silence-db", "--logvar-min", "--logvar-max", "--name",
    ];

    public static readonly string[] TrainFlags = ["--resume", "--help", "-h"];

    public const string TrainUsage =
        "usage: train --data DIR|LIST --out DIR [options]\n\n" +
        "Trains the VAE speech prior on clean speech and writes encoder.onnx, decoder.onnx and model.json to DIR.\n\n" +
        "  --data DIR|LIST     folder of WAV files (recursive), a text list (one path per line) or a CSV with a file/path/clean column\n" +
        "  --out DIR           output package folder; checkpoint and history go to DIR/.training/\n" +
        "  --cache DIR         frame cache folder (default DIR/.cache)\n" +
        "  --n-fft N           FFT size (default 512)          --hop N        hop size (default 128)\n" +
        "  --sample-rate HZ    model rate, inputs are resampled (default 16000); window: periodic sqrt-Hann\n" +
        "  --hidden H          hidden units (default 128)      --latent L     latent size (default 16)\n" +
        "  --layers N          hidden layers each side (1)     --activation tanh|relu (default tanh)\n" +
        "  --epochs N          (default 30)                    --batch N      minibatch (default 256)\n" +
        "  --lr X              Adam learning rate (1e-3)       --beta-warmup E  epochs of β warm-up 0→1 (default 5)\n" +
        "  --seed S            (default 1)                     --threads T    (default: all cores)\n" +
        "  --val-fraction X    files held out (default 0.1)    --patience P   early stop after P epochs without a better validation ELBO (5; 0 = off)\n" +
        "  --clip X            clip the gradient norm (off)    --weight-decay X  AdamW decay (off)\n" +
        "  --silence-db D      drop frames D dB below the file's loudest (60)\n" +
        "  --logvar-min/--logvar-max  clamp of log σ² (default -30, 12)\n" +
        "  --name NAME         model name in model.json\n" +
        "  --resume            continue bit-exactly from DIR/.training/checkpoint.bin\n" +
        "Ctrl-C saves a checkpoint and exits; --resume continues from it.";

    public static readonly string[] TrainEncoderValueOptions =
    [
        "--model", "--data", "--noise", "--out", "--epochs", "--batch", "--lr", "--seed", "--threads", "--val-fraction", "--patience",
        "--snr-min", "--snr-max", "--clean-fraction", "--silence-db", "--name",
    ];

    public const string TrainEncoderUsage =
        "usage: train-encoder [--model DIR] --data DIR|LIST --noise DIR|LIST --out DIR [options]\n\n" +
        "Retrains a model's encoder on speech mixed with recorded noise (decoder frozen: the speech prior is unchanged),\n" +
        "so that inference starts from the speech in a noisy frame rather than from the noise. Writes a new package to DIR.\n\n" +
        "  --model DIR         package whose decoder is kept (default: the one embedded in the Engine)\n" +
        "  --data DIR|LIST     clean speech, split into training/validation files as `train` does (same --seed, --val-fraction)\n" +
        "  --noise DIR|LIST    noise recordings; each epoch draws a fresh stretch, gain and SNR per utterance\n" +
        "  --snr-min/--snr-max SNR range in dB (default -5, 20)    --clean-fraction X  utterances left clean (0.2)\n" +
        "  --epochs N (40)  --batch N (256)  --lr X (5e-4)  --seed S (1)  --threads T  --val-fraction X (0.1)  --patience P (5)\n" +
        "  --silence-db D      frames D dB below the utterance's loudest clean frame are skipped (60)\n" +
        "  --name NAME         model name in model.json\n" +
        "Ctrl-C stops without writing the package.";

    public const string EvaluateUsage =
        "usage: evaluate [--model DIR] --data DIR|LIST --train-data DIR|LIST [--backend managed|onnx] [--ort-lib PATH] [--cache DIR]\n\n" +
        "Mean Itakura–Saito divergence per bin between held-out clean power spectra and the model's decoded variances\n" +
        "(default model: the one embedded in the Engine) " +
        "exp(decoder(μ(p))), against the baseline σ²_f = mean training power (silence rule and STFT from model.json).";

    public static int Execute(IReadOnlyList<string> args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        if (args.Count == 0 || args[0] is "--help" or "-h" or "help")
        {
            stdout.WriteLine("commands: train, train-encoder, train-refiner, average-refiners, evaluate\n\n" + TrainUsage + "\n\n" + TrainEncoderUsage + "\n\n" + RefinerCommandLine.Usage + "\n\n" + RefinerCommandLine.AverageUsage + "\n\n" + EvaluateUsage);
            return args.Count == 0 ? ExitUsage : ExitOk;
        }
        string command = args[0];
        var rest = args.Skip(1).ToArray();
        try
        {
            return command switch
            {
                "train" => Train(rest, stdout, stderr, cancellationToken),
                "evaluate" => Evaluate(rest, stdout, stderr, cancellationToken),
                "train-encoder" => TrainEncoder(rest, stdout, stderr, cancellationToken),
                "train-refiner" => RefinerCommandLine.TrainRefiner(rest, stdout, stderr, cancellationToken),
                "average-refiners" => RefinerCommandLine.AverageRefiners(rest, stdout),
                "speed" => Speed(rest, stdout, cancellationToken),
                _ => throw new CommandLineException($"unknown command '{command}' (train, train-encoder, train-refiner, average-refiners, evaluate)"),
            };
        }
        catch (CommandLineException e)
        {
            stderr.WriteLine($"{command}: {e.Message}");
            return ExitUsage;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            stderr.WriteLine($"{command}: stopped.");
            return ExitCancelled;
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException or NotSupportedException or ArgumentException or InvalidOperationException or DllNotFoundException)
        {
            stderr.WriteLine($"{command}: error: {e.Message}");
            return ExitError;
        }
    }

    public static int Train(IReadOnlyList<string> args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        var o = new CommandOptions(args, TrainValueOptions, TrainFlags);
        if (o.Flag("--help") || o.Flag("-h")) { stdout.WriteLine(TrainUsage); return ExitOk; }
        string data = o.Required("--data"), output = Path.GetFullPath(o.Required("--out"));
        var stft = new StftConfig(o.Int("--n-fft", 512), o.Int("--hop", 128), o.Int("--sample-rate", 16000));
        try { stft.Validate(); } catch (ArgumentException e) { throw new CommandLineException(e.Message); }
        string activationName = o.String("--activation") ?? "tanh";
        var activation = activationName switch
        {
            "tanh" => Activation.Tanh,
            "relu" => Activation.Relu,
            _ => throw new CommandLineException($"--activation must be tanh or relu, got '{activationName}'"),
        };
        var settings = new TrainerSettings
        {
            Architecture = new VaeArchitecture(stft.Bins, o.Int("--hidden", 128, 1, 4096), o.Int("--latent", 16, 1, 1024), o.Int("--layers", 1, 1, 8), activation),
            Epochs = o.Int("--epochs", 30, 1),
            BatchSize = o.Int("--batch", 256, 1, 65536),
            LearningRate = o.Double("--lr", 1e-3, 1e-9, 1),
            BetaWarmupEpochs = o.Int("--beta-warmup", 5, 0),
            Seed = o.Int("--seed", 1),
            Threads = o.Int("--threads", Environment.ProcessorCount, 1, 256),
            Patience = o.Int("--patience", 5, 0),
            ClipNorm = o.Double("--clip", 0, 0),
            WeightDecay = o.Double("--weight-decay", 0, 0),
            LogVarianceMin = (float)o.Double("--logvar-min", -30),
            LogVarianceMax = (float)o.Double("--logvar-max", 12),
        };
        double valFraction = o.Double("--val-fraction", 0.1, 0, 0.9);
        var silence = new SilenceRule(o.Double("--silence-db", 60, 1, 200));
        string cache = o.String("--cache") ?? Path.Combine(output, ".cache");
        string workDir = Path.Combine(output, ".training");
        bool resume = o.Flag("--resume");
        settings.Validate();
        Directory.CreateDirectory(workDir);

        var clock = Stopwatch.StartNew();
        var files = AudioFileList.Resolve(data);
        int warnings = 0;
        var loader = new CorpusLoader(stft, silence, WaveAudioLoader.Load, w => { if (warnings++ < 20) stderr.WriteLine($"warning: {w}"); });
        var corpus = loader.Load(files, cache, cancellationToken);
        if (warnings > 20) stderr.WriteLine($"warning: {warnings - 20} more warnings not shown");
        var (train, validation) = corpus.Split(valFraction, settings.Seed);
        stdout.WriteLine(Invariant($"data: {files.Count} files, {corpus.SkippedFiles.Count} skipped, {corpus.TotalFrames:N0} frames ({corpus.SilentFramesDropped:N0} silent dropped){(corpus.FromCache ? " from cache" : "")} in {clock.Elapsed.TotalSeconds:F1} s"));
        stdout.WriteLine(Invariant($"split: {train.Files.Count} files / {train.Frames:N0} frames for training, {validation.Files.Count} files / {validation.Frames:N0} frames for validation"));
        var a = settings.Architecture;
        stdout.WriteLine(Invariant($"model: F={a.Bins} H={a.Hidden}×{a.HiddenLayers} L={a.Latent} {activationName}; batch {settings.BatchSize}, lr {settings.LearningRate:G}, β warm-up {settings.BetaWarmupEpochs} epochs, seed {settings.Seed}, {settings.Threads} threads"));

        var observer = new ConsoleTrainingObserver(stdout, interactive: !Console.IsOutputRedirected && ReferenceEquals(stdout, Console.Out));
        var trainer = new VaeTrainer(settings, train, validation, Path.Combine(workDir, "checkpoint.bin"), observer);
        var result = trainer.Run(resume, cancellationToken);
        WriteHistory(Path.Combine(workDir, "history.csv"), result.History);
        if (result.Stop == TrainingStop.Cancelled)
        {
            stderr.WriteLine($"train: stopped; resume with the same command plus --resume.");
            return ExitCancelled;
        }

        // How well the decoded variances fit held-out speech, against the mean-spectrum baseline.
        var heldOut = validation.Frames > 0 ? validation : train;
        var meanPower = train.MeanPower();
        var net = WeightConversion.FromWeights(result.BestWeights, settings.Threads, settings.LogVarianceMin, settings.LogVarianceMax);
        double isModel = DecodedFit(net, heldOut, settings.LogVarianceMin, settings.LogVarianceMax);
        double isBaseline = SpectralFit.MeanItakuraSaitoAgainstConstant(heldOut.Power, heldOut.Bins, meanPower, settings.InputEpsilon);

        var card = new ModelCard
        {
            Name = o.String("--name") ?? Path.GetFileName(output.TrimEnd(Path.DirectorySeparatorChar)),
            SampleRate = stft.SampleRate, FftSize = stft.FftSize, HopSize = stft.HopSize, Window = "sqrt-hann", Bins = stft.Bins,
            LatentDim = a.Latent,
            EncoderHidden = Enumerable.Repeat(a.Hidden, a.HiddenLayers).ToArray(),
            DecoderHidden = Enumerable.Repeat(a.Hidden, a.HiddenLayers).ToArray(),
            Activation = activationName,
            InputTransform = "log", InputEpsilon = settings.InputEpsilon, InputStandardized = true,
            LogVarianceRange = [settings.LogVarianceMin, settings.LogVarianceMax],
            TrainingLevelDbfs = -26f,
            ValidationElbo = Math.Round(result.BestValidation.Elbo, 4),
            Created = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
            Exporter = $"RealtimeDenoise.Training {typeof(TrainCommandLine).Assembly.GetName().Version}",
            Training = new TrainingSummary
            {
                Data = data, FilesTrain = train.Files.Count, FilesValidation = validation.Files.Count,
                FramesTrain = train.Frames, FramesValidation = validation.Frames, SilenceRule = silence.Description,
                Epochs = result.EpochsRun, BatchSize = settings.BatchSize, LearningRate = settings.LearningRate,
                BetaWarmupEpochs = settings.BetaWarmupEpochs, Seed = settings.Seed,
                TrainElbo = Math.Round(result.BestTrain.Elbo, 4),
                Command = "train " + string.Join(' ', args.Where(x => x != "--resume")),
            },
            Notes = "ELBO per frame = minus (sum over bins of [log s2_f plus p_f/s2_f], plus KL), one reparametrised sample, beta = 1, constant -F*log(pi) omitted; " + Invariant(
                $"best epoch {result.BestEpoch} of {result.EpochsRun}. Held-out mean Itakura-Saito divergence per bin: model {isModel:F4} vs per-bin mean-power baseline {isBaseline:F4}. Encoder input: (log(p plus eps) - mean_f) / std_f with training-set statistics. Validation = {validation.Files.Count} whole files chosen by seeded shuffle."),
        };
        ModelPackage.Write(output, result.BestWeights, card);

        stdout.WriteLine(Invariant($"stopped: {result.Stop} after {result.EpochsRun} epochs; best epoch {result.BestEpoch}"));
        stdout.WriteLine(Invariant($"ELBO per frame (best model): train {result.BestTrain.Elbo:F3}, validation {result.BestValidation.Elbo:F3} (KL {result.BestValidation.Kl:F3})"));
        stdout.WriteLine(Invariant($"held-out IS divergence per bin: model {isModel:F4}, mean-power baseline {isBaseline:F4}"));
        stdout.WriteLine(Invariant($"training time {result.TrainSeconds:F1} s ({result.FramesPerSecond:N0} frames/s); total {clock.Elapsed.TotalSeconds:F1} s"));
        stdout.WriteLine($"wrote {Path.Combine(output, "encoder.onnx")}, decoder.onnx, model.json");
        return ExitOk;
    }

    public static int TrainEncoder(IReadOnlyList<string> args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        var o = new CommandOptions(args, TrainEncoderValueOptions, ["--help", "-h"]);
        if (o.Flag("--help") || o.Flag("-h")) { stdout.WriteLine(TrainEncoderUsage); return ExitOk; }
        string data = o.Required("--data"), noiseData = o.Required("--noise"), output = Path.GetFullPath(o.Required("--out"));
        var (weights, baseCard) = ModelPackage.ReadWeights(o.String("--model"));
        var settings = new EncoderTrainerSettings
        {
            Epochs = o.Int("--epochs", 40, 1),
            BatchSize = o.Int("--batch", 256, 1, 65536),
            LearningRate = o.Double("--lr", 5e-4, 1e-9, 1),
            Seed = o.Int("--seed", 1),
            Threads = o.Int("--threads", Environment.ProcessorCount, 1, 256),
            Patience = o.Int("--patience", 5, 0),
        };
        double snrMin = o.Double("--snr-min", -5, -50, 100), snrMax = o.Double("--snr-max", 20, -50, 100);
        if (snrMin > snrMax) throw new CommandLineException($"--snr-min ({snrMin}) is above --snr-max ({snrMax})");
        double cleanFraction = o.Double("--clean-fraction", 0.2, 0, 1), valFraction = o.Double("--val-fraction", 0.1, 0, 0.9);
        var silence = new SilenceRule(o.Double("--silence-db", 60, 1, 200));
        var stft = new StftConfig(baseCard.FftSize, baseCard.HopSize, baseCard.SampleRate);
        var clock = Stopwatch.StartNew();
        int warnings = 0;
        void Warn(string w) { if (warnings++ < 20) stderr.WriteLine($"warning: {w}"); }
        var (speechFiles, speech) = LoadSignals(AudioFileList.Resolve(data), stft.SampleRate, Warn, cancellationToken);
        var (noiseFiles, noises) = LoadSignals(AudioFileList.Resolve(noiseData), stft.SampleRate, Warn, cancellationToken);
        if (speech.Count < 2) throw new InvalidDataException($"{data}: need at least two readable speech files, found {speech.Count}.");
        if (noises.Count == 0) throw new InvalidDataException($"{noiseData}: no readable noise recordings.");
        var isVal = CorpusFrames.ValidationFiles(speech.Count, valFraction, settings.Seed);
        var trainSpeech = speech.Where((_, i) => !isVal[i]).ToArray();
        var valSpeech = speech.Where((_, i) => isVal[i]).ToArray();
        if (valSpeech.Length == 0) valSpeech = trainSpeech;
        var mixer = new NoiseMixer(stft, silence, baseCard.TrainingLevelDbfs, snrMin, snrMax, cleanFraction);
        var validation = mixer.Mix(valSpeech, noises, new TrainingRandom(0x7A11_DA7AUL ^ (ulong)settings.Seed));
        var cleanValidation = new NoiseMixer(stft, silence, baseCard.TrainingLevelDbfs, 0, 0, 1).Mix(valSpeech, noises, new TrainingRandom(1));
        stdout.WriteLine(Invariant($"data: {speech.Count} speech files ({trainSpeech.Length} training, {valSpeech.Length} validation), {noises.Count} noise recordings, read in {clock.Elapsed.TotalSeconds:F1} s"));
        stdout.WriteLine(Invariant($"mixing: SNR {snrMin}…{snrMax} dB, {cleanFraction:P0} clean; validation {validation.Clean.Frames:N0} frames; lr {settings.LearningRate:G}, batch {settings.BatchSize}, {settings.Threads} threads"));

        var observer = new ConsoleTrainingObserver(stdout, interactive: !Console.IsOutputRedirected && ReferenceEquals(stdout, Console.Out));
        float lo = baseCard.LogVarianceRange[0], hi = baseCard.LogVarianceRange[1];
        var trainer = new NoiseAwareEncoderTrainer(weights, lo, hi, settings, mixer, trainSpeech, noises, validation, observer);
        var result = trainer.Run(cancellationToken);
        if (result.Stop == TrainingStop.Cancelled)
        {
            stderr.WriteLine("train-encoder: stopped; nothing written.");
            return ExitCancelled;
        }
        var cleanElbo = trainer.Evaluate(cleanValidation).Elbo;
        var card = ModelCard.FromJson(baseCard.ToJson(), "model.json");
        card.Name = o.String("--name") ?? Path.GetFileName(output.TrimEnd(Path.DirectorySeparatorChar));
        card.ValidationElbo = Math.Round(cleanElbo, 4);
        card.Created = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
        card.Exporter = $"RealtimeDenoise.Training {typeof(TrainCommandLine).Assembly.GetName().Version}";
        card.Training ??= new TrainingSummary();
        card.Training.NoiseAwareEncoder = new EncoderTrainingSummary
        {
            NoiseData = noiseData, NoiseFiles = noises.Count, SnrRangeDb = [snrMin, snrMax], CleanFraction = cleanFraction,
            Epochs = result.EpochsRun, LearningRate = settings.LearningRate, Seed = settings.Seed,
            NoisyValidationElboBefore = Math.Round(result.InitialValidation.Elbo, 4), NoisyValidationElbo = Math.Round(result.BestValidation.Elbo, 4),
            Command = "train-encoder " + string.Join(' ', args),
        };
        card.Notes = (card.Notes is null ? "" : card.Notes + " ") + Invariant(
            $"Encoder retrained on noisy mixtures with the decoder frozen (best epoch {result.BestEpoch} of {result.EpochsRun}); validation_elbo is the clean-input ELBO with the new encoder.");
        ModelPackage.Write(output, result.BestWeights, card);
        stdout.WriteLine(Invariant($"stopped: {result.Stop} after {result.EpochsRun} epochs; best epoch {result.BestEpoch}"));
        stdout.WriteLine(Invariant($"validation ELBO, noisy input: {result.InitialValidation.Elbo:F3} → {result.BestValidation.Elbo:F3}; clean input: {baseCard.ValidationElbo?.ToString("F3", CultureInfo.InvariantCulture) ?? "?"} → {cleanElbo:F3}"));
        stdout.WriteLine(Invariant($"training time {result.TrainSeconds:F1} s ({result.FramesPerSecond:N0} frames/s); total {clock.Elapsed.TotalSeconds:F1} s"));
        stdout.WriteLine($"wrote {Path.Combine(output, "encoder.onnx")}, decoder.onnx, model.json");
        return ExitOk;
    }

    /// <summary>Reads every file as mono at the model rate; unreadable files are reported and skipped.</summary>
    internal static (List<string> Files, List<float[]> Signals) LoadSignals(IReadOnlyList<string> files, int sampleRate, Action<string> warn, CancellationToken cancellationToken)
    {
        var names = new List<string>();
        var signals = new List<float[]>();
        foreach (var file in files)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                var x = WaveAudioLoader.Load(file, sampleRate);
                if (x.Length == 0) { warn($"skipping {file}: empty"); continue; }
                names.Add(file);
                signals.Add(x);
            }
            catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException or NotSupportedException or ArgumentException or FormatException)
            {
                warn($"skipping {file}: {e.Message}");
            }
        }
        return (names, signals);
    }

    public static int Evaluate(IReadOnlyList<string> args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        var o = new CommandOptions(args, ["--model", "--data", "--train-data", "--backend", "--cache", "--ort-lib"], ["--help", "-h"]);
        if (o.Flag("--help") || o.Flag("-h")) { stdout.WriteLine(EvaluateUsage); return ExitOk; }
        string? modelDir = o.String("--model"); // null: the package embedded in the Engine
        var backend = (o.String("--backend") ?? "managed") switch
        {
            "managed" => InferenceBackend.Managed,
            "onnx" => InferenceBackend.Onnx,
            var b => throw new CommandLineException($"--backend must be managed or onnx, got '{b}'"),
        };
        using var model = ModelPackage.Load(modelDir, new ModelLoadOptions(backend, ExecutionDevice.Cpu, o.String("--ort-lib")));
        var card = model.Card;
        var stft = new StftConfig(card.FftSize, card.HopSize, card.SampleRate);
        var silence = new SilenceRule(60);
        string? cache = o.String("--cache");
        void Warn(string w) => stderr.WriteLine($"warning: {w}");
        var loader = new CorpusLoader(stft, silence, WaveAudioLoader.Load, Warn);
        var heldOut = loader.Load(AudioFileList.Resolve(o.Required("--data")), cache, cancellationToken).Split(0, 0).Train;
        var train = loader.Load(AudioFileList.Resolve(o.Required("--train-data")), cache, cancellationToken).Split(0, 0).Train;
        float lo = card.LogVarianceRange[0], hi = card.LogVarianceRange[1];
        int bins = model.Bins, latent = model.LatentDim, chunk = 1024;
        var mu = new float[chunk * latent];
        var logVar = new float[chunk * latent];
        var logVariance = new float[heldOut.Frames * bins];
        for (int start = 0; start < heldOut.Frames; start += chunk)
        {
            int n = Math.Min(chunk, heldOut.Frames - start);
            model.Encode(heldOut.Power.AsSpan(start * bins, n * bins), n, mu, logVar);
            model.Decode(mu.AsSpan(0, n * latent), n, logVariance.AsSpan(start * bins, n * bins));
        }
        for (int i = 0; i < logVariance.Length; i++) logVariance[i] = Math.Clamp(logVariance[i], lo, hi);
        double isModel = SpectralFit.MeanItakuraSaito(heldOut.Power, logVariance, card.InputEpsilon);
        double isBaseline = SpectralFit.MeanItakuraSaitoAgainstConstant(heldOut.Power, bins, train.MeanPower(), card.InputEpsilon);
        stdout.WriteLine(Invariant($"held-out: {heldOut.Files.Count} files, {heldOut.Frames:N0} frames ({silence.Description}); baseline from {train.Frames:N0} training frames; backend {backend}"));
        stdout.WriteLine(Invariant($"mean IS divergence per bin: model {isModel:F4}, mean-power baseline {isBaseline:F4}"));
        return ExitOk;
    }

    /// <summary>Training throughput on synthetic spectra (no audio needed): one timed epoch after a warm-up epoch.</summary>
    public static int Speed(IReadOnlyList<string> args, TextWriter stdout, CancellationToken cancellationToken)
    {
        var o = new CommandOptions(args, ["--frames", "--n-fft", "--hidden", "--latent", "--layers", "--batch", "--threads"], []);
        int bins = o.Int("--n-fft", 512, 16, 65536) / 2 + 1, frames = o.Int("--frames", 100_000, 1000);
        var settings = new TrainerSettings
        {
            Architecture = new VaeArchitecture(bins, o.Int("--hidden", 128, 1), o.Int("--latent", 16, 1), o.Int("--layers", 1, 1)),
            Epochs = 2, BatchSize = o.Int("--batch", 256, 1), Threads = o.Int("--threads", Environment.ProcessorCount, 1), Patience = 0,
        };
        var train = SyntheticSpectra.Make(frames, bins, 1);
        var result = new VaeTrainer(settings, train, new FrameSet(bins, [], []), null).Run(false, cancellationToken);
        var timed = result.History[^1];
        var a = settings.Architecture;
        stdout.WriteLine(Invariant($"F={bins} H={a.Hidden}x{a.HiddenLayers} L={a.Latent} batch {settings.BatchSize}, {settings.Threads} threads, {frames:N0} frames: {timed.FramesPerSecond:N0} frames/s ({timed.Seconds:F2} s per epoch; first epoch {result.History[0].FramesPerSecond:N0} frames/s); load average {LoadAverage()}"));
        return ExitOk;
    }

    private static string LoadAverage()
    {
        try { return File.ReadAllText("/proc/loadavg").Split(' ')[0]; }
        catch (IOException) { return "n/a"; }
    }

    /// <summary>Mean IS divergence of exp(clamp(decoder(μ(p)))) against p.</summary>
    internal static double DecodedFit(VaeNetwork<float> net, FrameSet set, float lo, float hi)
    {
        int bins = set.Bins, latent = net.Latent, chunk = 1024;
        var power = new float[chunk * bins];
        var mu = new float[chunk * latent];
        var lv = new float[chunk * latent];
        var logVariance = new float[set.Frames * bins];
        for (int start = 0; start < set.Frames; start += chunk)
        {
            int n = Math.Min(chunk, set.Frames - start);
            set.Power.AsSpan(start * bins, n * bins).CopyTo(power);
            net.Encode(power, n, mu, lv);
            net.Decode(mu, n, logVariance.AsSpan(start * bins, n * bins));
        }
        for (int i = 0; i < logVariance.Length; i++) logVariance[i] = Math.Clamp(logVariance[i], lo, hi);
        return SpectralFit.MeanItakuraSaito(set.Power, logVariance, (double)net.InputEpsilon);
    }

    private static void WriteHistory(string path, IReadOnlyList<EpochRecord> history)
    {
        var text = new StringBuilder("epoch,train_recon,train_kl,train_elbo,val_recon,val_kl,val_elbo,beta,seconds,frames_per_s,best\n");
        foreach (var r in history)
            text.AppendLine(Invariant($"{r.Epoch},{r.Train.Reconstruction:R},{r.Train.Kl:R},{r.Train.Elbo:R},{r.Validation.Reconstruction:R},{r.Validation.Kl:R},{r.Validation.Elbo:R},{r.Beta:R},{r.Seconds:F3},{r.FramesPerSecond:F0},{r.IsBest}"));
        AtomicFile.WriteAllText(path, text.ToString());
    }

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
