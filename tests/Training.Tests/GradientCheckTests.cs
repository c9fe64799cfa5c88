using RealtimeDenoise.Models;
using RealtimeDenoise.Training.Model;
using RealtimeDenoise.Training.Nn;

namespace RealtimeDenoise.Training.Tests;

/// <summary>Analytic gradients against central finite differences, in double precision.</summary>
public class GradientCheckTests
{
    private const double Tolerance = 1e-4;

    /// <summary>Loss L = Σ y ⊙ R for a fixed random R, so dL/dy = R.</summary>
    private static void CheckLayer(ILayer<double> layer, int batch, TrainingRandom rng, double inputScale = 1)
    {
        var x = new double[batch * layer.Inputs]; rng.FillGaussian(x);
        for (int i = 0; i < x.Length; i++) x[i] *= inputScale;
        var r = new double[batch * layer.Outputs]; rng.FillGaussian(r);
        foreach (var p in layer.Parameters) rng.FillGaussian(p.Value);
        double Loss()
        {
            var y = layer.Forward(x, batch);
            double s = 0;
            for (int i = 0; i < r.Length; i++) s += y[i] * r[i];
            return s;
        }
        Loss();
        foreach (var p in layer.Parameters) Array.Clear(p.Gradient);
        var dx = (double[])layer.Backward(r, batch, needInputGradient: true)!.Clone();
        foreach (var p in layer.Parameters)
            for (int i = 0; i < p.Length; i++) AssertClose(p.Gradient[i], Numeric(p.Value, i, Loss), $"{p.Name}[{i}]");
        for (int i = 0; i < x.Length; i++) AssertClose(dx[i], Numeric(x, i, Loss), $"x[{i}]");
    }

    private static double Numeric(double[] values, int i, Func<double> loss, double h = 1e-6)
    {
        double keep = values[i];
        values[i] = keep + h; double up = loss();
        values[i] = keep - h; double down = loss();
        values[i] = keep;
        return (up - down) / (2 * h);
    }

    private static void AssertClose(double analytic, double numeric, string what)
    {
        double err = Math.Abs(analytic - numeric) / Math.Max(1e-3, Math.Max(Math.Abs(analytic), Math.Abs(numeric)));
        Assert.True(err <= Tolerance, $"{what}: analytic {analytic:G10} vs numeric {numeric:G10} (relative error {err:G3})");
    }

    [Fact]
    public void LinearGradients() => CheckLayer(new Linear<double>("lin", 9, 6, threads: 2), batch: 5, new TrainingRandom(1));

    [Fact]
    public void TanhGradients() => CheckLayer(new ActivationLayer<double>(Activation.Tanh, 11), batch: 4, new TrainingRandom(2));

    [Fact]
    public void ReluGradients() => CheckLayer(new ActivationLayer<double>(Activation.Relu, 11), batch: 4, new TrainingRandom(3));

    [Fact]
    public void SequentialGradients() => CheckLayer(new Sequential<double>([
        new Linear<double>("a", 6, 5, 1), new ActivationLayer<double>(Activation.Tanh, 5), new Linear<double>("b", 5, 4, 1)]), batch: 3, new TrainingRandom(4));

    [Theory]
    [InlineData(Activation.Tanh, 1, 0.3)]
    [InlineData(Activation.Tanh, 2, 1.0)]
    [InlineData(Activation.Relu, 1, 1.0)]
    public void WholeLossGradients(Activation activation, int layers, double beta)
    {
        var arch = new VaeArchitecture(Bins: 7, Hidden: 5, Latent: 3, HiddenLayers: layers, Activation: activation);
        var net = new VaeNetwork<double>(arch, threads: 2);
        var rng = new TrainingRandom(11);
        int batch = 4;
        var power = new double[batch * arch.Bins];
        for (int i = 0; i < power.Length; i++) power[i] = Math.Exp(2 * rng.NextDouble() - 1) * 0.5;
        var meanLog = Enumerable.Range(0, arch.Bins).Select(_ => -0.7).ToArray();
        net.Initialize(rng, meanLog);
        net.SetInputStatistics(Enumerable.Repeat(-0.5, arch.Bins).ToArray(), Enumerable.Repeat(0.8, arch.Bins).ToArray());
        // Perturb every parameter so no gradient is trivially zero (e.g. zero biases).
        foreach (var p in net.Parameters)
            for (int i = 0; i < p.Length; i++) p.Value[i] += 0.1 * (rng.NextDouble() - 0.5);
        var noise = new double[batch * arch.Latent]; rng.FillGaussian(noise);
        double Loss() => net.Evaluate(power, noise, batch, beta, backward: false).Loss(beta);
        foreach (var p in net.Parameters) Array.Clear(p.Gradient);
        net.Evaluate(power, noise, batch, beta, backward: true);
        int checkedCount = 0;
        foreach (var p in net.Parameters)
        {
            var analytic = (double[])p.Gradient.Clone();
            for (int i = 0; i < p.Length; i++) { AssertClose(analytic[i], Numeric(p.Value, i, Loss), $"{p.Name}[{i}]"); checkedCount++; }
        }
        Assert.True(checkedCount > 100);
    }

    [Fact]
    public void ClampedOutputsGetNoGradientAndLossStaysFinite()
    {
        var arch = new VaeArchitecture(Bins: 5, Hidden: 4, Latent: 2);
        var net = new VaeNetwork<double>(arch, threads: 1, logVarianceMin: -1, logVarianceMax: 1);
        var rng = new TrainingRandom(5);
        net.Initialize(rng, new double[] { 50, 50, 50, 50, 50 }); // decoder output far above the clamp
        var power = new double[2 * 5]; Array.Fill(power, 1e-30); // near-zero power: log stays finite via ε
        var noise = new double[2 * 2]; rng.FillGaussian(noise);
        foreach (var p in net.Parameters) Array.Clear(p.Gradient);
        var terms = net.Evaluate(power, noise, 2, 1.0, backward: true);
        Assert.True(double.IsFinite(terms.Reconstruction) && double.IsFinite(terms.Kl));
        var outLayer = net.Decoder.Layers.OfType<Linear<double>>().Last();
        Assert.All(outLayer.Bias.Gradient, g => Assert.Equal(0.0, g));
        Assert.All(net.Parameters.SelectMany(p => p.Gradient), g => Assert.True(double.IsFinite(g)));
    }
}
