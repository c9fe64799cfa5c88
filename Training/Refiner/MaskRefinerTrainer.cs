using RealtimeDenoise.Enhancement;
using RealtimeDenoise.Models;
using RealtimeDenoise.Training.Nn;

namespace RealtimeDenoise.Training.Refiner;

/// <summary>Validation loss before training (the final mask itself, o = 0) and after each epoch.</summary>
public sealed record RefinerTrainingResult(MaskRefinerWeights Weights, double InitialLoss, IReadOnlyList<double> EpochLosses, int BestEpoch);

/// <summary>
/// Fits the <see cref="MaskRefiner"/>'s network to drawn bins (<see cref="RefinerSampler"/>): inputs standardised by
/// the training bins' mean and deviation, two ReLU layers of <see cref="RefinerTrainerSettings.Hidden"/> units, Adam on
/// the weighted squared error Σ w·(m − t)² / Σ w with m = <see cref="MaskRefiner.Combine"/> of the network's output.
/// Keeps the weights of the epoch with the lowest validation loss. Deterministic for a seed and thread count.
/// </summary>
internal sealed class MaskRefinerTrainer(RefinerTrainerSettings settings)
{
    private const int Inputs = MaskRefinerFeatures.Count;

    public RefinerTrainingResult Train(IReadOnlyList<RefinerSamples> train, IReadOnlyList<RefinerSamples> validation, Action<string> log, CancellationToken cancellationToken)
    {
        long count = train.Sum(s => (long)s.Count);
        if (count == 0) throw new InvalidOperationException("No training bins were drawn (did the mixtures hold speech?).");
        if (validation.Count == 0) validation = train;
        var (mean, scale) = Standardisation(train);
        double weightScale = count / train.Sum(s => s.Weight.Sum(w => (double)w));
        var random = new TrainingRandom((ulong)settings.Seed * 0x9E3779B97F4A7C15UL + 17);
        var net = Build<float>(settings.Hidden, settings.Threads, random);
        var adam = new AdamOptimizer<float>(net.Parameters, settings.LearningRate);

        // Every bin is addressed as (set, row); the order is shuffled each epoch.
        var index = new (int Set, int Row)[count];
        long at = 0;
        for (int s = 0; s < train.Count; s++)
            for (int r = 0; r < train[s].Count; r++) index[at++] = (s, r);

        double initial = Loss(net, validation, mean, scale, zeroOutput: true);
        log($"validation loss of the final mask (o = 0): {initial:F5}");
        var losses = new List<double>();
        double best = double.PositiveInfinity;
        int bestEpoch = 0;
        MaskRefinerWeights? bestWeights = null;
        int batch = settings.BatchSize;
        var x = new float[batch * Inputs];
        var gradient = new float[batch];
        for (int epoch = 1; epoch <= settings.Epochs; epoch++)
        {
            random.Shuffle<(int, int)>(index);
            for (long b0 = 0; b0 < count; b0 += batch)
            {
                cancellationToken.ThrowIfCancellationRequested();
                int rows = (int)Math.Min(batch, count - b0);
                for (int r = 0; r < rows; r++)
                {
                    var (s, row) = index[b0 + r];
                    Standardise(train[s].Inputs.AsSpan(row * Inputs, Inputs), mean, scale, x.AsSpan(r * Inputs, Inputs));
                }
                var o = net.Forward(x, rows);
                for (int r = 0; r < rows; r++)
                {
                    var (s, row) = index[b0 + r];
                    var set = train[s];
                    OutputLoss(o[r], set.Final[row], set.Transient[row], set.Target[row], set.Weight[row] * weightScale, out double d);
                    gradient[r] = (float)(d / rows);
                }
                adam.ZeroGradients();
                net.Backward(gradient, rows, needInputGradient: false);
                adam.Update();
            }
            double loss = Loss(net, validation, mean, scale, zeroOutput: false);
            losses.Add(loss);
            log($"epoch {epoch}/{settings.Epochs}: validation loss {loss:F5} (lr {adam.LearningRate:G3})");
            if (loss < best)
            {
                best = loss;
                bestEpoch = epoch;
                bestWeights = Export(net, mean, scale);
            }
            adam.LearningRate *= settings.LearningRateDecay;
        }
        return new RefinerTrainingResult(bestWeights ?? Export(net, mean, scale), initial, losses, bestEpoch);
    }

    /// <summary>97 → H → H → 1 with ReLU between, He-initialised.</summary>
    internal static Sequential<T> Build<T>(int hidden, int threads, TrainingRandom random) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var l1 = new Linear<T>("refiner.0", Inputs, hidden, threads);
        var l2 = new Linear<T>("refiner.1", hidden, hidden, threads);
        var l3 = new Linear<T>("refiner.2", hidden, 1, threads);
        foreach (var l in new[] { l1, l2, l3 }) Initializer.Initialize(l, Activation.Relu, random);
        return new Sequential<T>([l1, new ActivationLayer<T>(Activation.Relu, hidden), l2, new ActivationLayer<T>(Activation.Relu, hidden), l3]);
    }

    /// <summary>
    /// w·(m − t)² for the network output <paramref name="o"/>, with m = g·σ(logit(m_final/g) + o) as in
    /// <see cref="MaskRefiner.Combine"/> (in double), and its derivative in o, 2w(m − t)·g·σ(1 − σ).
    /// </summary>
    internal static double OutputLoss(double o, float final, float transient, float target, double weight, out double gradient)
    {
        double g = MaskRefinerFeatures.Clip(transient);
        double m0 = Math.Clamp(MaskRefinerFeatures.Clip(final) / g, MaskRefinerFeatures.Floor, 1 - MaskRefinerFeatures.Floor);
        double s = 1 / (1 + Math.Exp(-(Math.Log(m0 / (1 - m0)) + o)));
        double e = g * s - target;
        gradient = 2 * weight * e * g * s * (1 - s);
        return weight * e * e;
    }

    private double Loss(Sequential<float> net, IReadOnlyList<RefinerSamples> sets, float[] mean, float[] scale, bool zeroOutput)
    {
        double sum = 0, weights = 0;
        var x = new float[settings.BatchSize * Inputs];
        foreach (var set in sets)
            for (int r0 = 0; r0 < set.Count; r0 += settings.BatchSize)
            {
                int rows = Math.Min(settings.BatchSize, set.Count - r0);
                for (int r = 0; r < rows; r++)
                    Standardise(set.Inputs.AsSpan((r0 + r) * Inputs, Inputs), mean, scale, x.AsSpan(r * Inputs, Inputs));
                var o = zeroOutput ? null : net.Forward(x, rows);
                for (int r = 0; r < rows; r++)
                {
                    int i = r0 + r;
                    sum += OutputLoss(o?[r] ?? 0, set.Final[i], set.Transient[i], set.Target[i], set.Weight[i], out _);
                    weights += set.Weight[i];
                }
            }
        return sum / Math.Max(weights, 1e-30);
    }

    private static (float[] Mean, float[] Scale) Standardisation(IReadOnlyList<RefinerSamples> sets)
    {
        var sum = new double[Inputs];
        var squares = new double[Inputs];
        long n = 0;
        foreach (var set in sets)
            for (int r = 0; r < set.Count; r++, n++)
                for (int d = 0; d < Inputs; d++)
                {
                    double v = set.Inputs[r * Inputs + d];
                    sum[d] += v;
                    squares[d] += v * v;
                }
        var mean = new float[Inputs];
        var scale = new float[Inputs];
        for (int d = 0; d < Inputs; d++)
        {
            double m = sum[d] / n;
            mean[d] = (float)m;
            scale[d] = (float)(Math.Sqrt(Math.Max(squares[d] / n - m * m, 0)) + 1e-6); // a constant input gets scale 1e-6 and stays 0
        }
        return (mean, scale);
    }

    private static void Standardise(ReadOnlySpan<float> raw, float[] mean, float[] scale, Span<float> destination)
    {
        for (int d = 0; d < Inputs; d++) destination[d] = (raw[d] - mean[d]) / scale[d];
    }

    private static MaskRefinerWeights Export(Sequential<float> net, float[] mean, float[] scale) => new()
    {
        InputMean = (float[])mean.Clone(),
        InputScale = (float[])scale.Clone(),
        Layers = [.. net.Layers.OfType<Linear<float>>().Select(l => new MaskRefinerLayer
        {
            Inputs = l.Inputs, Outputs = l.Outputs, Weight = (float[])l.Weight.Value.Clone(), Bias = (float[])l.Bias.Value.Clone(),
        })],
    };
}
