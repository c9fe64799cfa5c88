using System.Diagnostics;
using RealtimeDenoise.Models;
using RealtimeDenoise.Training.Data;
using RealtimeDenoise.Training.Model;
using RealtimeDenoise.Training.Nn;

namespace RealtimeDenoise.Training.Run;

public enum TrainingStop { Completed, EarlyStopped, Cancelled }

public sealed record TrainingResult(
    TrainingStop Stop, int EpochsRun, int BestEpoch, double BestValidationElbo, LossTerms BestTrain, LossTerms BestValidation,
    IReadOnlyList<EpochRecord> History, VaeWeights BestWeights, VaeWeights LastWeights, double TrainSeconds, double FramesPerSecond);

/// <summary>
/// Minibatch training of the VAE with Adam, β warm-up, validation each epoch, best-model tracking, early
/// stopping and checkpoints. Deterministic: the same data, settings and seed give bit-identical weights
/// for any thread count, and resuming from a checkpoint continues exactly where the run stopped.
/// </summary>
public sealed class VaeTrainer
{
    private readonly TrainerSettings _settings;
    private readonly FrameSet _train, _validation;
    private readonly string? _checkpointPath;
    private readonly ITrainingObserver? _observer;
    private readonly VaeNetwork<float> _net;
    private readonly AdamOptimizer<float> _adam;
    private readonly TrainingRandom _random;
    private readonly string _fingerprint;
    private readonly int _batches;

    private int _epoch, _nextBatch;
    private int[]? _order;
    private double[] _accumulator = new double[3]; // Σ recon·n, Σ kl·n, Σ n over this epoch's batches so far
    private float[][]? _best;
    private double _bestElbo = double.NegativeInfinity;
    private int _bestEpoch = -1, _sinceBest;
    private readonly List<EpochRecord> _history = [];

    public VaeTrainer(TrainerSettings settings, FrameSet train, FrameSet validation, string? checkpointPath, ITrainingObserver? observer = null)
    {
        settings.Validate();
        if (train.Frames == 0) throw new InvalidDataException("The training set has no frames.");
        if (train.Bins != settings.Architecture.Bins || validation.Bins != train.Bins)
            throw new ArgumentException($"Frames have {train.Bins} bins, the model expects {settings.Architecture.Bins}.");
        _settings = settings;
        _train = train;
        _validation = validation;
        _checkpointPath = checkpointPath;
        _observer = observer;
        _batches = (train.Frames + settings.BatchSize - 1) / settings.BatchSize;
        _net = new VaeNetwork<float>(settings.Architecture, settings.Threads, settings.LogVarianceMin, settings.LogVarianceMax, settings.InputEpsilon);
        var (mean, std) = train.LogStatistics(settings.InputEpsilon);
        _net.SetInputStatistics(mean, std);
        _random = new TrainingRandom((ulong)settings.Seed);
        _net.Initialize(_random, mean);
        _adam = new AdamOptimizer<float>(_net.Parameters, settings.LearningRate, weightDecay: settings.WeightDecay, clipNorm: settings.ClipNorm);
        _fingerprint = Fingerprint();
    }

    /// <summary>Encoder/decoder of the current weights (for tests).</summary>
    internal VaeNetwork<float> Network => _net;

    public VaeWeights CurrentWeights() => WeightConversion.ToWeights(_net);

    public TrainingResult Run(bool resume, CancellationToken cancellationToken = default)
    {
        if (resume)
        {
            if (_checkpointPath is null || !File.Exists(_checkpointPath)) throw new FileNotFoundException($"--resume: no checkpoint at {_checkpointPath}.");
            Restore(TrainingCheckpoint.Load(_checkpointPath));
            _observer?.Message($"resumed from {_checkpointPath} at epoch {_epoch + 1}, batch {_nextBatch + 1}");
        }
        int bins = _train.Bins, latent = _settings.Architecture.Latent, batchSize = _settings.BatchSize;
        var power = new float[batchSize * bins];
        var noise = new float[batchSize * latent];
        var total = Stopwatch.StartNew();
        var stop = TrainingStop.Completed;
        while (_epoch < _settings.Epochs)
        {
            if (_nextBatch == 0)
            {
                _order = Enumerable.Range(0, _train.Frames).ToArray();
                _random.Shuffle(_order);
                _accumulator = new double[3];
            }
            var epochClock = Stopwatch.StartNew();
            long epochFrames = 0;
            double beta = Beta();
            for (; _nextBatch < _batches; _nextBatch++)
            {
                if (cancellationToken.IsCancellationRequested)
                {
                    SaveCheckpoint();
                    _observer?.Message($"stopped at epoch {_epoch + 1}, batch {_nextBatch + 1}; checkpoint saved" + (_checkpointPath is null ? "" : $" to {_checkpointPath}"));
                    stop = TrainingStop.Cancelled;
                    break;
                }
                int start = _nextBatch * batchSize, n = Math.Min(batchSize, _train.Frames - start);
                for (int i = 0; i < n; i++) _train.Frame(_order![start + i]).CopyTo(power.AsSpan(i * bins, bins));
                _random.FillGaussian(noise.AsSpan(0, n * latent));
                beta = Beta();
                _adam.ZeroGradients();
                var terms = _net.Evaluate(power, noise, n, beta, backward: true);
                if (!double.IsFinite(terms.Reconstruction) || !double.IsFinite(terms.Kl))
                    throw new InvalidOperationException($"Training diverged at epoch {_epoch + 1}, batch {_nextBatch + 1} (non-finite loss); try a lower --lr or --clip.");
                _adam.Update();
                _accumulator[0] += terms.Reconstruction * n;
                _accumulator[1] += terms.Kl * n;
                _accumulator[2] += n;
                epochFrames += n;
                if (_observer is not null)
                {
                    double elapsed = epochClock.Elapsed.TotalSeconds;
                    double fps = epochFrames / Math.Max(elapsed, 1e-9);
                    double remainingFrames = (double)(_batches - _nextBatch - 1) * batchSize + (double)(_settings.Epochs - _epoch - 1) * _train.Frames;
                    _observer.BatchCompleted(new BatchProgress(_epoch + 1, _settings.Epochs, _nextBatch + 1, _batches,
                        terms.Loss(beta), beta, fps, TimeSpan.FromSeconds(remainingFrames / Math.Max(fps, 1))));
                }
            }
            if (stop == TrainingStop.Cancelled) break;
            double seconds = epochClock.Elapsed.TotalSeconds;
            var trainTerms = new LossTerms(_accumulator[0] / _accumulator[2], _accumulator[1] / _accumulator[2], (int)_accumulator[2]);
            var valTerms = _validation.Frames > 0 ? Evaluate(_validation) : trainTerms;
            bool isBest = valTerms.Elbo > _bestElbo;
            if (isBest)
            {
                _bestElbo = valTerms.Elbo;
                _bestEpoch = _epoch;
                _best = _net.Parameters.Select(p => (float[])p.Value.Clone()).ToArray();
                _sinceBest = 0;
            }
            else _sinceBest++;
            var record = new EpochRecord(_epoch + 1, trainTerms, valTerms, beta, seconds, epochFrames / Math.Max(seconds, 1e-9), isBest);
            _history.Add(record);
            _epoch++;
            _nextBatch = 0;
            _order = null;
            SaveCheckpoint();
            _observer?.EpochCompleted(record);
            // Early stopping only once β has reached 1: before that the ELBO is not comparable across epochs' objectives.
            if (_settings.Patience > 0 && _sinceBest >= _settings.Patience && _epoch >= _settings.BetaWarmupEpochs && _epoch < _settings.Epochs)
            {
                _observer?.Message($"no better validation ELBO for {_settings.Patience} epochs; stopping early");
                stop = TrainingStop.EarlyStopped;
                break;
            }
        }
        var last = WeightConversion.ToWeights(_net);
        LossTerms bestTrain = default, bestVal = default;
        VaeWeights bestWeights = last;
        if (_best is not null)
        {
            var current = _net.Parameters.Select(p => (float[])p.Value.Clone()).ToArray();
            Load(_best);
            bestWeights = WeightConversion.ToWeights(_net);
            if (stop != TrainingStop.Cancelled)
            {
                bestTrain = Evaluate(_train);
                bestVal = _validation.Frames > 0 ? Evaluate(_validation) : bestTrain;
            }
            Load(current);
        }
        // Time over every finished epoch of the run, including those before a resume.
        double allSeconds = _history.Sum(h => h.Seconds);
        double allFrames = _history.Sum(h => h.FramesPerSecond * h.Seconds);
        return new TrainingResult(stop, _epoch, _bestEpoch + 1, _bestElbo, bestTrain, bestVal, _history.ToArray(), bestWeights, last,
            allSeconds, allFrames / Math.Max(allSeconds, 1e-9));
    }

    /// <summary>ELBO terms over a whole frame set (see <see cref="HeldOutLoss"/>).</summary>
    internal LossTerms Evaluate(FrameSet set) =>
        HeldOutLoss.Evaluate(_net, set, null, Math.Max(_settings.BatchSize, 1024), HeldOutLoss.NoiseSeed(_settings.Seed));

    private double Beta()
    {
        long warmupSteps = (long)_settings.BetaWarmupEpochs * _batches;
        return warmupSteps == 0 ? 1.0 : Math.Min(1.0, (double)_adam.Step / warmupSteps);
    }

    private void Load(float[][] values)
    {
        for (int i = 0; i < values.Length; i++) values[i].CopyTo(_net.Parameters[i].Value, 0);
    }

    private void SaveCheckpoint()
    {
        if (_checkpointPath is null) return;
        new TrainingCheckpoint
        {
            Fingerprint = _fingerprint, Epoch = _epoch, NextBatch = _nextBatch, Order = _nextBatch > 0 ? _order : null,
            EpochAccumulator = (double[])_accumulator.Clone(), AdamStep = _adam.Step, RandomState = _random.State,
            Parameters = _net.Parameters.Select(p => p.Value).ToArray(), FirstMoment = _adam.FirstMoment, SecondMoment = _adam.SecondMoment,
            BestParameters = _best, BestValidationElbo = _bestElbo, BestEpoch = _bestEpoch, EpochsSinceBest = _sinceBest, History = _history,
        }.Save(_checkpointPath);
    }

    private void Restore(TrainingCheckpoint c)
    {
        if (c.Fingerprint != _fingerprint)
            throw new InvalidDataException($"{_checkpointPath}: the checkpoint was made with other data or settings ({c.Fingerprint}); this run is {_fingerprint}.");
        if (c.Parameters.Length != _net.Parameters.Count) throw new InvalidDataException($"{_checkpointPath}: parameter count differs.");
        Load(c.Parameters);
        for (int i = 0; i < c.Parameters.Length; i++)
        {
            c.FirstMoment[i].CopyTo(_adam.FirstMoment[i], 0);
            c.SecondMoment[i].CopyTo(_adam.SecondMoment[i], 0);
        }
        _adam.Step = c.AdamStep;
        _random.State = c.RandomState;
        _epoch = c.Epoch;
        _nextBatch = c.NextBatch;
        _order = c.Order;
        _accumulator = c.EpochAccumulator;
        _best = c.BestParameters;
        _bestElbo = c.BestValidationElbo;
        _bestEpoch = c.BestEpoch;
        _sinceBest = c.EpochsSinceBest;
        _history.Clear();
        _history.AddRange(c.History);
    }

    /// <summary>What must match for a checkpoint to be resumable: sizes, optimisation settings and the data (not the epoch count).</summary>
    private string Fingerprint()
    {
        var a = _settings.Architecture;
        ulong h = 1469598103934665603UL;
        foreach (var set in new[] { _train, _validation })
        {
            var bits = System.Runtime.InteropServices.MemoryMarshal.Cast<float, uint>(set.Power.AsSpan());
            for (int i = 0; i < bits.Length; i += 7) h = (h ^ bits[i]) * 1099511628211UL;
        }
        var s = _settings;
        return string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"F{a.Bins} H{a.Hidden} L{a.Latent} x{a.HiddenLayers} {a.Activation} b{s.BatchSize} lr{s.LearningRate:R} w{s.BetaWarmupEpochs} s{s.Seed} c{s.ClipNorm:R} d{s.WeightDecay:R} lv[{s.LogVarianceMin:R},{s.LogVarianceMax:R}] e{s.InputEpsilon:R} n{_train.Frames}/{_validation.Frames} data{h:x16}");
    }
}
