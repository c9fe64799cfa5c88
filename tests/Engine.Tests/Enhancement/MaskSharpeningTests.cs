using RealtimeDenoise.Enhancement;

namespace RealtimeDenoise.Engine.Tests.Enhancement;

public class MaskSharpeningTests
{
    [Theory]
    [InlineData(1.3, 3.0)]
    [InlineData(2.0, 1.0)]
    [InlineData(0.7, 5.0)]
    public void OnAWienerMask_GivesTheParametricWienerGainWithTheSnrRaisedToTheExponent(double exponent, double beta)
    {
        // m = ξ/(ξ + β) must become ξ^a/(ξ^a + β^a), computed here in double from ξ directly.
        double[] snrs = [1e-3, 0.01, 0.1, 0.5, 1, 2, 3, 10, 100, 1e3];
        var mask = snrs.Select(x => (float)(x / (x + beta))).ToArray();
        MaskSharpening.Apply(mask, (float)exponent, new float[mask.Length]);
        for (int i = 0; i < snrs.Length; i++)
        {
            double a = Math.Pow(snrs[i], exponent), b = Math.Pow(beta, exponent);
            double expected = a / (a + b);
            Assert.True(Math.Abs(mask[i] - expected) < 2e-5 + 1e-4 * expected, $"ξ = {snrs[i]}: {mask[i]} vs {expected}");
        }
    }

    [Fact]
    public void ExponentOne_LeavesTheMaskUntouched()
    {
        float[] mask = [0f, 1e-7f, 0.25f, 0.5f, 0.999f, 1f];
        var copy = (float[])mask.Clone();
        MaskSharpening.Apply(mask, 1f, new float[mask.Length]);
        Assert.Equal(copy, mask);
    }

    [Fact]
    public void KeepsOrderAndTheMidpoint_AndStaysFiniteAtTheEnds()
    {
        float[] mask = [0f, 0.01f, 0.2f, 0.5f, 0.8f, 0.99f, 1f];
        MaskSharpening.Apply(mask, 1.5f, new float[mask.Length]);
        Assert.All(mask, m => Assert.True(float.IsFinite(m) && m > 0 && m <= 1, $"{m}"));
        for (int i = 1; i < mask.Length - 1; i++) Assert.True(mask[i] > mask[i - 1], $"not increasing at {i}");
        Assert.Equal(1f, mask[^1], 1e-6f);
        Assert.Equal(0.5f, mask[3], 1e-6f);
        Assert.True(mask[1] < 0.01f && mask[5] > 0.99f, "a > 1 must push gains away from ½");
    }

    [Theory]
    [InlineData(0f)]
    [InlineData(-1f)]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    public void OfflineOptions_RejectABadExponent(float exponent) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new OfflineEnhancer(new SpectralShapeModel(), new OfflineOptions { MaskSharpness = exponent }));
}
