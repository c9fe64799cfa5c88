using RealtimeDenoise.Engine.Tests.Models;
using RealtimeDenoise.Enhancement;
using RealtimeDenoise.Models;

namespace RealtimeDenoise.Engine.Tests.Enhancement;

public class DenseDecoderGradientTests
{
    [Theory]
    [InlineData(Activation.Tanh)]
    [InlineData(Activation.Relu)]
    public void Backward_MatchesFiniteDifferences_AndForwardMatchesTheManagedModel(Activation activation)
    {
        const int bins = 33, latent = 5, count = 3;
        var weights = TestModels.Random(bins, latent, [16], [16, 12], activation, seed: 11);
        var gradient = new DenseDecoderGradient(weights);
        var rng = new Random(5);
        var z = Enumerable.Range(0, count * latent).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        var upstream = Enumerable.Range(0, count * bins).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();

        var logVar = new float[count * bins];
        gradient.Forward(z, count, logVar);
        using var managed = new ManagedVarianceModel(weights, TestModels.CardFor(weights, activation));
        var reference = new float[count * bins];
        managed.Decode(z, count, reference);
        for (int i = 0; i < logVar.Length; i++) Assert.Equal(reference[i], logVar[i], 1e-4f);

        var grad = new float[count * latent];
        gradient.Backward(upstream, count, grad);

        // J(z) = Σ u · log σ²(z); central differences in double around each coordinate.
        double J(float[] point)
        {
            var lv = new float[count * bins];
            managed.Decode(point, count, lv);
            double s = 0;
            for (int i = 0; i < lv.Length; i++) s += (double)upstream[i] * lv[i];
            return s;
        }
        float h = activation == Activation.Relu ? 1e-3f : 1e-2f; // ReLU: stay clear of the kinks
        for (int i = 0; i < z.Length; i++)
        {
            var plus = (float[])z.Clone();
            var minus = (float[])z.Clone();
            plus[i] += h;
            minus[i] -= h;
            double numeric = (J(plus) - J(minus)) / (2 * h);
            Assert.True(Math.Abs(numeric - grad[i]) <= 2e-2 * Math.Max(1, Math.Abs(numeric)), $"∂J/∂z[{i}]: backward {grad[i]}, finite differences {numeric}");
        }
    }

    [Fact]
    public void OfflineEnhancer_WithLangevinProposals_GivesFiniteAlignedOutput()
    {
        var weights = TestModels.Random(257, 8, [32], [32], Activation.Tanh, seed: 12);
        using var model = new ManagedVarianceModel(weights, new ModelCard { LatentDim = 8 });
        var x = TestSignals.Add(TestSignals.VoicedBursts(TestSignals.SampleRate, 0.2f, 1), TestSignals.WhiteNoise(TestSignals.SampleRate, 0.02f, 2));
        var options = new OfflineOptions { MaxIterations = 3, MhSteps = 4, BurnIn = 2, FinalMhSteps = 4, FinalBurnIn = 2, LangevinStep = 0.01f };
        var y = Denoiser.CreateOffline(model, options).Enhance(x);
        Assert.Equal(x.Length, y.Length);
        Assert.True(TestSignals.AllFinite(y));
        Assert.True(TestSignals.Energy(y) <= TestSignals.Energy(x) * 1.01);
    }
}
