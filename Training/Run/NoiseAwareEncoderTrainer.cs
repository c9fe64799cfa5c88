using System.Diagnostics;
using RealtimeDenoise.Models;
using RealtimeDenoise.Training.Data;
using RealtimeDenoise.Training.Model;
using RealtimeDenoise.Training.Nn;

namespace RealtimeDenoise.Training.Run;

public sealed class EncoderTrainerSettings
{
    public int Epochs { get; set; } = 40;
    public int BatchSize { get; set; } = 256;
    public double LearningRate { get; set; } = 5e-4;
    public int Seed { get; set; } = 1;
    public int Threads { get; set; } = Environment.ProcessorCount;
    /// <summary>Stop after this many epochs without a better validation ELBO (0: never).</summary>
    public int Patience { get; set; } = 5;

    public void Validate()
    {
        if (Epochs < 1) throw new ArgumentOutOfRangeException(nameof(Epochs), Epochs, "Epochs must be at least 1.");
        if (BatchSize < 1) throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, "Batch size must be at least 1.");
        if (!(LearningRate > 0)) throw new ArgumentOutOfRangeException(nameof(LearningRate), LearningRate, "Learning rate must be positive.");
        if (Threads < 1) throw new ArgumentOutOfRangeException(nameof(Threads), Threads, "Threads must be at least 1.");
        if (Patience < 0) throw new ArgumentOutOfRangeException(nameof(Patience), Patience, "Patience must be ≥ 0.");
    }
}

public sealed record EncoderTrainingResult(
    TrainingStop Stop, int EpochsRun, int BestEpoch, LossTerms InitialValidation, LossTerms BestValidation,
    IReadOnlyList<EpochRecord> History, VaeWeights BestWeights, double TrainSeconds, double FramesPerSecond);

/// <summary>
/// Retrains a VAE's encoder on noisy input with the decoder frozen (a noise-aware encoder, after Fang, Carbajal,
/// Wermter and Gerkmann, ICASSP 2021): the loss is the ELBO of the clean frame, IS fit of the clean power by
/// the decoder plus KL to N(0, I), but the encoder sees the noisy mixture. The decoder, the speech prior the
/// enhancer samples from, stays exactly as it was; only the starting point of inference improves: an encoder
/// trained on clean speech describes noise as speech, and the enhancer's EM then gives the noise to the speech model.
/// Each epoch draws fresh mixtures (noise, offset, SNR) from a seeded generator, so runs are reproducible.
/// </summary>
public sealed class NoiseAwareEncoderTrainer
{
    private readonly EncoderTrainerSettings _settings;
    private readonly VaeNetwork<float> _net;
    private readonly NoiseMixer _mixer;
    private readonly IReadOnlyList<float[]> _speech, _noises;
    private readonly NoisyCleanFrames _validation;
    private readonly ITrainingObserver? _observer;

    public NoiseAwareEncoderTrainer(VaeWeights start, float logVarianceMin, float logVarianceMax, EncoderTrainerSettings settings, NoiseMixer mixer,
        IReadOnlyList<float[]> trainSpeech, IReadOnlyList<float[]> noises, NoisyCleanFrames validation, ITrainingObserver? observer = null)
    {
        settings.Validate();
        if (trainSpeech.Count == 0) throw new InvalidDataException("No training utterances.");
        if (noises.Count == 0) throw new InvalidDataException("No noise recordings.");
        _settings = settings;
        _net = WeightConversion.FromWeights(start, settings.Threads, logVarianceMin, logVarianceMax);
        _net.FreezeDecoder();
        _mixer = mixer;
        _speech = trainSpeech;
        _noises = noises;
        _validation = validation;
        _observer = observer;
    }

    public EncoderTrainingResult Run(CancellationToken cancellationToken = default)
    {
        int bins = _net.Bins, latent = _net.Latent, batchSize = _settings.BatchSize;
        var adam = new AdamOptimizer<float>(_net.EncoderParameters, _settings.LearningRate);
        var random = new TrainingRandom((ulong)_settings.Seed);
        var clean = new float[batchSize * bins];
        var noisy = new float[batchSize * bins];
        var eps = new float[batchSize * latent];
        var history = new List<EpochRecord>();
        var initial = Evaluate(_validation);
        _observer?.Message($"validation ELBO of the starting encoder on noisy input: {initial.Elbo:F3}");
        double bestElbo = initial.Elbo;
        float[][]? best = null;
        int bestEpoch = 0, sinceBest = 0;
        var stop = TrainingStop.Completed;
        for (int epoch = 0; epoch < _settings.Epochs; epoch++)
        {
            var clock = Stopwatch.StartNew();
            var data = _mixer.Mix(_speech, _noises, random);
            int frames = data.Clean.Frames, batches = (frames + batchSize - 1) / batchSize;
            var order = Enumerable.Range(0, frames).ToArray();
            random.Shuffle(order);
            LossTerms trainTerms = default;
            for (int b = 0; b < batches; b++)
            {
                if (cancellationToken.IsCancellationRequested) { stop = TrainingStop.Cancelled; break; }
                int start = b * batchSize, n = Math.Min(batchSize, frames - start);
                for (int i = 0; i < n; i++)
                {
                    data.Clean.Frame(order[start + i]).CopyTo(clean.AsSpan(i * bins, bins));
                    data.Noisy.Frame(order[start + i]).CopyTo(noisy.AsSpan(i * bins, bins));
                }
                random.FillGaussian(eps.AsSpan(0, n * latent));
                adam.ZeroGradients();
                var terms = _net.Evaluate(clean, eps, n, 1.0, backward: true, encoderInput: noisy);
                if (!double.IsFinite(terms.Reconstruction) || !double.IsFinite(terms.Kl))
                    throw new InvalidOperationException($"Encoder training diverged at epoch {epoch + 1}, batch {b + 1} (non-finite loss); try a lower --lr.");
                adam.Update();
                trainTerms = trainTerms.Merge(terms);
                if (_observer is not null && (b % 64 == 63 || b == batches - 1))
                {
                    double fps = (start + n) / Math.Max(clock.Elapsed.TotalSeconds, 1e-9);
                    _observer.BatchCompleted(new BatchProgress(epoch + 1, _settings.Epochs, b + 1, batches, terms.Loss(1), 1,
                        fps, TimeSpan.FromSeconds((double)(batches - b - 1) * batchSize / Math.Max(fps, 1) + (double)(_settings.Epochs - epoch - 1) * frames / Math.Max(fps, 1))));
                }
            }
            if (stop == TrainingStop.Cancelled) break;
            var val = Evaluate(_validation);
            bool isBest = val.Elbo > bestElbo;
            if (isBest)
            {
                bestElbo = val.Elbo;
                bestEpoch = epoch + 1;
                best = _net.EncoderParameters.Select(p => (float[])p.Value.Clone()).ToArray();
                sinceBest = 0;
            }
            else sinceBest++;
            double seconds = clock.Elapsed.TotalSeconds;
            var record = new EpochRecord(epoch + 1, trainTerms, val, 1, seconds, frames / Math.Max(seconds, 1e-9), isBest);
            history.Add(record);
            _observer?.EpochCompleted(record);
            if (_settings.Patience > 0 && sinceBest >= _settings.Patience && epoch + 1 < _settings.Epochs)
            {
                _observer?.Message($"no better validation ELBO for {_settings.Patience} epochs; stopping early");
                stop = TrainingStop.EarlyStopped;
                break;
            }
        }
        if (best is not null)
            for (int i = 0; i < best.Length; i++) best[i].CopyTo(_net.EncoderParameters[i].Value, 0);
        double allSeconds = history.Sum(h => h.Seconds), allFrames = history.Sum(h => h.FramesPerSecond * h.Seconds);
        return new EncoderTrainingResult(stop, history.Count, bestEpoch, initial, best is null ? initial : Evaluate(_validation),
            history, WeightConversion.ToWeights(_net), allSeconds, allFrames / Math.Max(allSeconds, 1e-9));
    }

    /// <summary>ELBO terms of the clean frames with the encoder fed the noisy ones (see <see cref="HeldOutLoss"/>).</summary>
    internal LossTerms Evaluate(NoisyCleanFrames set) =>
        HeldOutLoss.Evaluate(_net, set.Clean, set.Noisy, 1024, HeldOutLoss.NoiseSeed(_settings.Seed));
}
