using RealtimeDenoise.Enhancement;
using RealtimeDenoise.Models;

namespace RealtimeDenoise.Engine.Tests.Enhancement;

/// <summary>The latent prior mixed with the encoder's posterior, and when it is switched on.</summary>
public class EncoderPriorTests
{
    private static readonly float[] Z = [0.3f, -1.2f, 2.0f, 0.0f];
    private static readonly float[] Mu = [0.5f, -1.0f, 1.0f, 0.2f];
    private static readonly float[] LogVar = [-1.0f, 0.0f, 0.5f, -2.0f];

    private static float Energy(float[] z, float weight, float inflation)
    {
        var precision = new float[LogVar.Length];
        NoisySpeechMath.PriorPrecision(LogVar, inflation, precision);
        return NoisySpeechMath.LatentEnergy(z, Mu, precision, weight);
    }

    [Fact]
    public void WeightZeroIsTheStandardNormalPrior()
    {
        float expected = 0.5f * Z.Sum(v => v * v);
        Assert.Equal(expected, Energy(Z, 0f, 4f), 5);
    }

    [Fact]
    public void WeightOneIsTheInflatedEncoderPosterior()
    {
        const float inflation = 3f;
        double expected = 0;
        for (int d = 0; d < Z.Length; d++) expected += 0.5 * (Z[d] - Mu[d]) * (Z[d] - Mu[d]) / (inflation * Math.Exp(LogVar[d]));
        Assert.Equal(expected, Energy(Z, 1f, inflation), 4);
    }

    [Theory]
    [InlineData(0f)]
    [InlineData(0.5f)]
    [InlineData(1f)]
    public void GradientMatchesFiniteDifferences(float weight)
    {
        var gradient = new float[Z.Length];
        var precision = new float[LogVar.Length];
        NoisySpeechMath.PriorPrecision(LogVar, 4f, precision);
        NoisySpeechMath.SubtractLatentEnergyGradient(Z, Mu, precision, weight, gradient);
        for (int d = 0; d < Z.Length; d++)
        {
            var up = (float[])Z.Clone();
            var down = (float[])Z.Clone();
            up[d] += 1e-3f;
            down[d] -= 1e-3f;
            double numeric = (Energy(up, weight, 4f) - Energy(down, weight, 4f)) / 2e-3;
            Assert.True(Math.Abs(-numeric - gradient[d]) <= 2e-3 * Math.Max(1, Math.Abs(numeric)), $"d={d}: analytic {gradient[d]} vs numeric {-numeric}");
        }
    }

    [Fact]
    public void NoModelGetsTheEncoderPriorByDefault_AndTheNoiseAwareMarkSurvivesModelJson()
    {
        // Measured: with the offline passes, noise seed and floor, weight 0 beats 0.5 for noise-aware encoders too (EncoderPrior).
        var plain = new ModelCard { Training = new TrainingSummary() };
        Assert.Equal(0f, EncoderPrior.DefaultWeight(plain));
        Assert.Equal(0f, EncoderPrior.DefaultWeight(new ModelCard()));
        var noiseAware = new ModelCard { Training = new TrainingSummary { NoiseAwareEncoder = new EncoderTrainingSummary { NoiseFiles = 3 } } };
        Assert.Equal(0f, EncoderPrior.DefaultWeight(noiseAware));
        // The card keeps the mark through model.json.
        var reread = ModelCard.FromJson(noiseAware.ToJson(), "model.json");
        Assert.Equal(3, reread.Training!.NoiseAwareEncoder!.NoiseFiles);
        Assert.Equal(0f, EncoderPrior.DefaultWeight(reread));
    }

    [Fact]
    public void PriorWeightOutsideZeroToOneIsRejected()
    {
        using var model = ModelPackage.Load(null);
        Assert.Throws<ArgumentOutOfRangeException>(() => Denoiser.CreateOffline(model, new OfflineOptions { EncoderPriorWeight = 1.5f }));
        Assert.Throws<ArgumentOutOfRangeException>(() => Denoiser.CreateStreaming(model, new StreamingOptions { EncoderPriorInflation = 0f }));
    }
}
