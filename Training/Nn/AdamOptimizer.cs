using System.Numerics;

namespace RealtimeDenoise.Training.Nn;

/// <summary>
/// Adam with bias correction (Kingma &amp; Ba 2015), optional decoupled weight decay (AdamW) and
/// optional clipping of the global gradient norm. Moments and the step count are exposed for checkpoints.
/// </summary>
internal sealed class AdamOptimizer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly IReadOnlyList<Parameter<T>> _parameters;

    public AdamOptimizer(IReadOnlyList<Parameter<T>> parameters, double learningRate, double beta1 = 0.9, double beta2 = 0.999,
        double epsilon = 1e-8, double weightDecay = 0, double clipNorm = 0)
    {
        _parameters = parameters;
        LearningRate = learningRate;
        Beta1 = beta1; Beta2 = beta2; Epsilon = epsilon;
        WeightDecay = weightDecay; ClipNorm = clipNorm;
        FirstMoment = parameters.Select(p => new T[p.Length]).ToArray();
        SecondMoment = parameters.Select(p => new T[p.Length]).ToArray();
    }

    public double LearningRate { get; set; }
    public double Beta1 { get; }
    public double Beta2 { get; }
    public double Epsilon { get; }
    public double WeightDecay { get; }
    public double ClipNorm { get; }
    public long Step { get; set; }
    public T[][] FirstMoment { get; }
    public T[][] SecondMoment { get; }

    public void ZeroGradients()
    {
        foreach (var p in _parameters) Array.Clear(p.Gradient);
    }

    /// <summary>Global L2 norm of all gradients, summed in a fixed order.</summary>
    public double GradientNorm()
    {
        double sum = 0;
        foreach (var p in _parameters)
            foreach (var g in p.Gradient) { double d = double.CreateTruncating(g); sum += d * d; }
        return Math.Sqrt(sum);
    }

    /// <summary>Applies one update from the accumulated gradients. Returns the gradient norm before clipping.</summary>
    public double Update()
    {
        Step++;
        double norm = GradientNorm();
        double scale = ClipNorm > 0 && norm > ClipNorm ? ClipNorm / norm : 1.0;
        double c1 = 1 - Math.Pow(Beta1, Step), c2 = 1 - Math.Pow(Beta2, Step);
        T b1 = T.CreateTruncating(Beta1), b2 = T.CreateTruncating(Beta2);
        T ob1 = T.One - b1, ob2 = T.One - b2;
        T stepSize = T.CreateTruncating(LearningRate / c1);
        T invSqrtC2 = T.CreateTruncating(1 / Math.Sqrt(c2));
        T eps = T.CreateTruncating(Epsilon);
        T decay = T.CreateTruncating(LearningRate * WeightDecay);
        T gScale = T.CreateTruncating(scale);
        for (int i = 0; i < _parameters.Count; i++)
        {
            var w = _parameters[i].Value;
            var g = _parameters[i].Gradient;
            var m = FirstMoment[i];
            var v = SecondMoment[i];
            for (int j = 0; j < w.Length; j++)
            {
                T gj = g[j] * gScale;
                m[j] = b1 * m[j] + ob1 * gj;
                v[j] = b2 * v[j] + ob2 * gj * gj;
                T update = stepSize * m[j] / (T.Sqrt(v[j]) * invSqrtC2 + eps);
                w[j] -= update + decay * w[j];
            }
        }
        return norm;
    }
}
