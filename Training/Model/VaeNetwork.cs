using System.Numerics;
using System.Numerics.Tensors;
using RealtimeDenoise.Models;
using RealtimeDenoise.Training.Nn;

namespace RealtimeDenoise.Training.Model;

/// <summary>
/// The VAE of ALGORITHM.md §1 with an explicit backward pass. The encoder sees
/// (log(p + ε) − mean_f)/std_f, the transform the exported encoder graph contains. Generic over the element
/// type: training runs in float, gradient checks in double.
/// </summary>
internal sealed class VaeNetwork<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly int _threads;
    private T[]? _features, _z, _std, _clamped, _ratio, _outGrad, _muGrad, _logVarGrad, _hiddenGrad, _logVarSafe;
    private double[]? _rowRecon, _rowKl;

    public VaeNetwork(VaeArchitecture architecture, int threads, float logVarianceMin = -30f, float logVarianceMax = 10f, float inputEpsilon = 1e-10f)
    {
        architecture.Validate();
        Architecture = architecture;
        _threads = Math.Max(1, threads);
        LogVarianceMin = T.CreateTruncating(logVarianceMin);
        LogVarianceMax = T.CreateTruncating(logVarianceMax);
        InputEpsilon = T.CreateTruncating(inputEpsilon);
        int f = architecture.Bins, h = architecture.Hidden, l = architecture.Latent;
        var trunk = new List<ILayer<T>>();
        for (int i = 0; i < architecture.HiddenLayers; i++)
        {
            trunk.Add(new Linear<T>($"encoder.hidden{i}", i == 0 ? f : h, h, _threads));
            trunk.Add(new ActivationLayer<T>(architecture.Activation, h));
        }
        EncoderTrunk = new Sequential<T>(trunk);
        MuHead = new Linear<T>("encoder.mu", h, l, _threads);
        LogVarHead = new Linear<T>("encoder.logvar", h, l, _threads);
        var dec = new List<ILayer<T>>();
        for (int i = 0; i < architecture.HiddenLayers; i++)
        {
            dec.Add(new Linear<T>($"decoder.hidden{i}", i == 0 ? l : h, h, _threads));
            dec.Add(new ActivationLayer<T>(architecture.Activation, h));
        }
        dec.Add(new Linear<T>("decoder.out", h, f, _threads));
        Decoder = new Sequential<T>(dec);
        EncoderParameters = [.. EncoderTrunk.Parameters, .. MuHead.Parameters, .. LogVarHead.Parameters];
        Parameters = [.. EncoderParameters, .. Decoder.Parameters];
        InputMean = new T[f];
        InputInvStd = new T[f];
        InputInvStd.AsSpan().Fill(T.One);
    }

    /// <summary>The posterior log-variance is clamped to ±this inside the loss (gradient masked) so exp never overflows.</summary>
    public static readonly double PosteriorLogVarLimit = 20;

    public VaeArchitecture Architecture { get; }
    public Sequential<T> EncoderTrunk { get; }
    public Linear<T> MuHead { get; }
    public Linear<T> LogVarHead { get; }
    public Sequential<T> Decoder { get; }
    public IReadOnlyList<Parameter<T>> Parameters { get; }
    public IReadOnlyList<Parameter<T>> EncoderParameters { get; }

    /// <summary>Keeps the decoder's weights out of the backward pass (gradients still flow through it to z).</summary>
    public void FreezeDecoder()
    {
        foreach (var layer in Decoder.Layers.OfType<Linear<T>>()) layer.Frozen = true;
    }
    public T LogVarianceMin { get; }
    public T LogVarianceMax { get; }
    public T InputEpsilon { get; }
    public T[] InputMean { get; }
    public T[] InputInvStd { get; }
    public int Bins => Architecture.Bins;
    public int Latent => Architecture.Latent;

    public IEnumerable<Linear<T>> LinearLayers =>
        EncoderTrunk.Layers.OfType<Linear<T>>().Concat([MuHead, LogVarHead]).Concat(Decoder.Layers.OfType<Linear<T>>());

    /// <summary>Random weights; the decoder's output bias starts at the mean log power so training starts from the mean-variance model.</summary>
    public void Initialize(TrainingRandom random, ReadOnlySpan<T> meanLogPower)
    {
        foreach (var layer in EncoderTrunk.Layers.OfType<Linear<T>>()) Initializer.Initialize(layer, Architecture.Activation, random);
        Initializer.Initialize(MuHead, Activation.Identity, random);
        Initializer.Initialize(LogVarHead, Activation.Identity, random);
        var decoderLinears = Decoder.Layers.OfType<Linear<T>>().ToArray();
        for (int i = 0; i < decoderLinears.Length; i++)
            Initializer.Initialize(decoderLinears[i], i < decoderLinears.Length - 1 ? Architecture.Activation : Activation.Identity, random);
        if (!meanLogPower.IsEmpty) meanLogPower.CopyTo(decoderLinears[^1].Bias.Value);
    }

    /// <summary>Sets the per-bin standardisation of the encoder input from training statistics of log(p + ε).</summary>
    public void SetInputStatistics(ReadOnlySpan<T> mean, ReadOnlySpan<T> std)
    {
        mean.CopyTo(InputMean);
        for (int i = 0; i < Bins; i++) InputInvStd[i] = T.One / T.Max(std[i], T.CreateTruncating(1e-6));
    }

    private T[] Features(T[] power, int batch)
    {
        var x = BatchBuffer.Ensure(ref _features, batch, Bins);
        for (int r = 0; r < batch; r++)
        {
            var row = x.AsSpan(r * Bins, Bins);
            TensorPrimitives.Add<T>(power.AsSpan(r * Bins, Bins), InputEpsilon, row);
            TensorPrimitives.Log<T>(row, row);
            TensorPrimitives.Subtract<T>(row, InputMean, row);
            TensorPrimitives.Multiply<T>(row, InputInvStd, row);
        }
        return x;
    }

    /// <summary>Posterior mean and log-variance (raw head outputs) for power frames.</summary>
    public void Encode(T[] power, int batch, Span<T> mu, Span<T> logVar)
    {
        var h = EncoderTrunk.Forward(Features(power, batch), batch);
        MuHead.Forward(h, batch).AsSpan(0, batch * Latent).CopyTo(mu);
        LogVarHead.Forward(h, batch).AsSpan(0, batch * Latent).CopyTo(logVar);
    }

    /// <summary>Unclamped decoder output log σ² for latent vectors.</summary>
    public void Decode(T[] z, int batch, Span<T> logVariance) =>
        Decoder.Forward(z, batch).AsSpan(0, batch * Bins).CopyTo(logVariance);

    /// <summary>
    /// Forward pass of the loss for a batch with given reparametrisation noise (batch × L standard normals);
    /// with <paramref name="backward"/> also accumulates ∂(mean loss)/∂θ into the parameters' gradients.
    /// The encoder sees <paramref name="encoderInput"/> when given (noisy power for a noise-aware encoder),
    /// otherwise the target <paramref name="power"/> itself.
    /// </summary>
    public LossTerms Evaluate(T[] power, T[] noise, int batch, double beta, bool backward, T[]? encoderInput = null)
    {
        int f = Bins, l = Latent, n = batch * l, m = batch * f;
        var h = EncoderTrunk.Forward(Features(encoderInput ?? power, batch), batch);
        var mu = MuHead.Forward(h, batch);
        var logVarRaw = LogVarHead.Forward(h, batch);
        T limit = T.CreateTruncating(PosteriorLogVarLimit);
        var logVar = BatchBuffer.Ensure(ref _logVarSafe, batch, l);
        TensorPrimitives.Clamp<T>(logVarRaw.AsSpan(0, n), -limit, limit, logVar.AsSpan(0, n));
        // z = μ + exp(λ/2) ⊙ ε
        var std = BatchBuffer.Ensure(ref _std, batch, l);
        TensorPrimitives.Multiply<T>(logVar.AsSpan(0, n), T.CreateTruncating(0.5), std.AsSpan(0, n));
        TensorPrimitives.Exp<T>(std.AsSpan(0, n), std.AsSpan(0, n));
        var z = BatchBuffer.Ensure(ref _z, batch, l);
        TensorPrimitives.FusedMultiplyAdd<T>(std.AsSpan(0, n), noise.AsSpan(0, n), mu.AsSpan(0, n), z.AsSpan(0, n));
        var o = Decoder.Forward(z, batch);
        // Reconstruction Σ_f (c + p e^{−c}) with c = clamp(log σ²).
        var c = BatchBuffer.Ensure(ref _clamped, batch, f);
        var ratio = BatchBuffer.Ensure(ref _ratio, batch, f);
        TensorPrimitives.Clamp<T>(o.AsSpan(0, m), LogVarianceMin, LogVarianceMax, c.AsSpan(0, m));
        TensorPrimitives.Negate<T>(c.AsSpan(0, m), ratio.AsSpan(0, m));
        TensorPrimitives.Exp<T>(ratio.AsSpan(0, m), ratio.AsSpan(0, m));
        TensorPrimitives.Multiply<T>(ratio.AsSpan(0, m), power.AsSpan(0, m), ratio.AsSpan(0, m)); // p/σ²
        var rowRecon = BatchBuffer.Ensure(ref _rowRecon, batch, 1);
        var rowKl = BatchBuffer.Ensure(ref _rowKl, batch, 1);
        for (int r = 0; r < batch; r++)
        {
            rowRecon[r] = double.CreateTruncating(TensorPrimitives.Sum<T>(c.AsSpan(r * f, f)) + TensorPrimitives.Sum<T>(ratio.AsSpan(r * f, f)));
            double kl = 0;
            for (int d = r * l; d < r * l + l; d++)
            {
                double lv = double.CreateTruncating(logVar[d]), u = double.CreateTruncating(mu[d]);
                kl += Math.Exp(lv) + u * u - lv - 1;
            }
            rowKl[r] = 0.5 * kl;
        }
        double recon = 0, klSum = 0;
        for (int r = 0; r < batch; r++) { recon += rowRecon[r]; klSum += rowKl[r]; }
        var terms = new LossTerms(recon / batch, klSum / batch, batch);
        if (!backward) return terms;

        T invB = T.One / T.CreateTruncating(batch);
        T b = T.CreateTruncating(beta);
        T half = T.CreateTruncating(0.5);
        // ∂/∂ log σ² = 1 − p/σ² inside the clamp range, 0 outside.
        var dO = BatchBuffer.Ensure(ref _outGrad, batch, f);
        for (int i = 0; i < m; i++)
        {
            T v = o[i];
            dO[i] = v >= LogVarianceMin && v <= LogVarianceMax ? (T.One - ratio[i]) * invB : T.Zero;
        }
        var dz = Decoder.Backward(dO, batch, needInputGradient: true)!;
        var dMu = BatchBuffer.Ensure(ref _muGrad, batch, l);
        var dLv = BatchBuffer.Ensure(ref _logVarGrad, batch, l);
        for (int i = 0; i < n; i++)
        {
            dMu[i] = dz[i] + b * mu[i] * invB;
            T raw = logVarRaw[i];
            dLv[i] = raw >= -limit && raw <= limit
                ? dz[i] * half * std[i] * noise[i] + b * half * (std[i] * std[i] - T.One) * invB
                : T.Zero;
        }
        var dhMu = MuHead.Backward(dMu, batch, needInputGradient: true)!;
        var dhLv = LogVarHead.Backward(dLv, batch, needInputGradient: true)!;
        var dh = BatchBuffer.Ensure(ref _hiddenGrad, batch, Architecture.Hidden);
        TensorPrimitives.Add<T>(dhMu.AsSpan(0, batch * Architecture.Hidden), dhLv.AsSpan(0, batch * Architecture.Hidden), dh.AsSpan(0, batch * Architecture.Hidden));
        EncoderTrunk.Backward(dh, batch, needInputGradient: false);
        return terms;
    }
}
