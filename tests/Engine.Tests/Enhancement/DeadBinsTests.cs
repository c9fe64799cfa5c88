using RealtimeDenoise.Enhancement;

namespace RealtimeDenoise.Engine.Tests.Enhancement;

public class DeadBinsTests
{
    [Fact]
    public void Find_MarksBinsMoreThan30DbBelowTheMeanDead()
    {
        // Mean over the 8 bins ≈ 0.50, threshold ≈ 5.0e-4: 1e-3 (−27 dB) stays live, 1e-5 (−47 dB) is dead.
        float[] longTerm = [1, 1, 1, 1, 1e-3f, 1e-3f, 1e-5f, 1e-5f];
        var weight = new float[longTerm.Length];
        DeadBins.Find(longTerm, weight);
        Assert.Equal([1f, 1f, 1f, 1f, 1f, 1f, 0f, 0f], weight);
    }

    [Fact]
    public void Find_OnSilence_KeepsEveryBinLive()
    {
        var weight = new float[4];
        DeadBins.Find(new float[4], weight);
        Assert.All(weight, w => Assert.Equal(1f, w));
    }

    [Fact]
    public void FillForEncoder_RaisesOnlyDeadBins_ToMinus40DbOfTheLiveMean()
    {
        float[] power = [2, 4, 0, 1e-9f];
        float[] weight = [1, 1, 0, 0];
        DeadBins.FillForEncoder(power, weight);
        Assert.Equal(2f, power[0]);
        Assert.Equal(4f, power[1]);
        Assert.Equal(3e-4f, power[2], 1e-9f);
        Assert.Equal(3e-4f, power[3], 1e-9f);
    }
}
