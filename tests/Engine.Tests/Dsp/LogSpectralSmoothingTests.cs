using RealtimeDenoise.Dsp;
using Xunit;

namespace RealtimeDenoise.Engine.Tests.Dsp;

public class LogSpectralSmoothingTests
{
    [Theory]
    [InlineData(257, 16)]
    [InlineData(257, 0)]
    [InlineData(10, 30)] // window wider than the spectrum: every bin is the geometric mean of all
    [InlineData(1, 3)]
    public void MatchesTheGeometricMeanOverTheWindow_TakenDirectly(int bins, int halfWidth)
    {
        var random = new Random(bins + halfWidth);
        var spectrum = new float[bins];
        for (int f = 0; f < bins; f++) spectrum[f] = (float)Math.Exp(random.NextDouble() * 20 - 10); // −43 to +43 dB
        var output = new float[bins];
        LogSpectralSmoothing.Apply(spectrum, halfWidth, output, new float[bins]);
        for (int f = 0; f < bins; f++)
        {
            double logSum = 0;
            int count = 0;
            for (int j = f - halfWidth; j <= f + halfWidth; j++)
            {
                if (j < 0 || j >= bins) continue;
                logSum += Math.Log(spectrum[j]);
                count++;
            }
            double expected = Math.Exp(logSum / count);
            Assert.True(Math.Abs(output[f] - expected) <= 1e-4 * expected, $"bin {f}: {output[f]} vs {expected}");
        }
    }

    [Fact]
    public void RemovesHarmonics_AndKeepsTheTilt()
    {
        // A tilt times a comb (20 dB teeth every 2h + 1 bins): every full window holds one tooth, so away from the edges
        // the comb becomes the constant factor 100^(1/(2h+1)) and the smoothed tilt is left as it was.
        const int bins = 257, halfWidth = 8, period = 2 * halfWidth + 1;
        var tilt = new float[bins];
        var combed = new float[bins];
        for (int f = 0; f < bins; f++)
        {
            tilt[f] = 1f / (f + 10);
            combed[f] = tilt[f] * (f % period == 0 ? 100f : 1f);
        }
        var smoothTilt = new float[bins];
        var smoothCombed = new float[bins];
        LogSpectralSmoothing.Apply(tilt, halfWidth, smoothTilt, new float[bins]);
        LogSpectralSmoothing.Apply(combed, halfWidth, smoothCombed, new float[bins]);
        double factor = Math.Pow(100, 1.0 / period);
        for (int f = halfWidth; f < bins - halfWidth; f++)
            Assert.Equal(factor, smoothCombed[f] / smoothTilt[f], 4);
    }

    [Fact]
    public void ZeroPower_IsTakenAsTheFloor_NotMinusInfinity()
    {
        var spectrum = new float[] { 0f, 1f, 0f };
        var output = new float[3];
        LogSpectralSmoothing.Apply(spectrum, 1, output, new float[3]);
        Assert.All(output, v => Assert.True(float.IsFinite(v) && v >= LogSpectralSmoothing.Floor));
        Assert.Equal(Math.Sqrt(LogSpectralSmoothing.Floor), output[0], 1e-18); // √(floor·1)
    }

    [Fact]
    public void MismatchedLengths_Throw()
    {
        Assert.Throws<ArgumentException>(() => LogSpectralSmoothing.Apply(new float[4], 1, new float[3], new float[4]));
        Assert.Throws<ArgumentOutOfRangeException>(() => LogSpectralSmoothing.Apply(new float[4], -1, new float[4], new float[4]));
    }
}
