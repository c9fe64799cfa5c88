using RealtimeDenoise.Dsp;
using Xunit;

namespace RealtimeDenoise.Engine.Tests.Dsp;

public class AsymmetricSmoothingTests
{
    [Fact]
    public void Rise_FollowsAtOnceWithZero_AndFall_DecaysGeometrically()
    {
        var state = new float[] { 0.1f, 0.9f };
        var input = new float[] { 0.8f, 0.2f }; // bin 0 rises, bin 1 falls
        AsymmetricSmoothing.Step(state, input, rise: 0f, fall: 0.5f);
        Assert.Equal(0.8f, state[0]);
        Assert.Equal(0.55f, state[1], 6);
        for (int n = 2; n <= 6; n++)
        {
            AsymmetricSmoothing.Step(state, input, 0f, 0.5f);
            Assert.Equal(0.8f, state[0]);
            Assert.Equal(0.2 + 0.7 * Math.Pow(0.5, n), state[1], 5); // s_n = x + (s_0 − x)·fall^n
        }
    }

    [Fact]
    public void EqualCoefficients_AreTheOnePoleSmoother()
    {
        var random = new Random(5);
        var state = new float[64];
        var reference = new double[64];
        for (int step = 0; step < 20; step++)
        {
            var input = Enumerable.Range(0, 64).Select(_ => (float)random.NextDouble()).ToArray();
            AsymmetricSmoothing.Step(state, input, 0.3f, 0.3f);
            for (int i = 0; i < 64; i++) reference[i] = 0.3 * reference[i] + 0.7 * input[i];
        }
        for (int i = 0; i < 64; i++) Assert.True(Math.Abs(state[i] - reference[i]) < 1e-5, $"element {i}: {state[i]} vs {reference[i]}");
    }

    [Fact]
    public void LengthMismatch_Throws() =>
        Assert.Throws<ArgumentException>(() => AsymmetricSmoothing.Step(new float[3], new float[2], 0f, 0.3f));
}
