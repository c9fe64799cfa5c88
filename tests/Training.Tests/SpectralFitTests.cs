using RealtimeDenoise.Training.Run;

namespace RealtimeDenoise.Training.Tests;

public class SpectralFitTests
{
    [Fact]
    public void ItakuraSaitoMatchesItsDefinition()
    {
        // IS(p‖σ²) = r − log r − 1 with r = p/σ²: 0 at r = 1, 2 − ln 2 − 1 at r = 2, 0.5 + ln 2 − 1 at r = 0.5.
        var power = new float[] { 1f, 2f, 0.5f, 3f };
        var logVar = new float[] { 0f, 0f, 0f, (float)Math.Log(3) };
        double expected = (0 + (1 - Math.Log(2)) + (Math.Log(2) - 0.5) + 0) / 4;
        Assert.Equal(expected, SpectralFit.MeanItakuraSaito(power, logVar, 1e-10), 6);
    }

    [Fact]
    public void ConstantBaselineUsesThePerBinVariance()
    {
        // Two bins, two frames; variance 2 for bin 0 and 4 for bin 1.
        var power = new float[] { 2f, 8f, 1f, 4f };
        double[] variance = [2, 4];
        double Is(double r) => r - Math.Log(r) - 1;
        double expected = (Is(1) + Is(2) + Is(0.5) + Is(1)) / 4;
        Assert.Equal(expected, SpectralFit.MeanItakuraSaitoAgainstConstant(power, 2, variance, 1e-10), 9);
    }
}
