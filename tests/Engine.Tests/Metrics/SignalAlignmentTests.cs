using RealtimeDenoise.Metrics;

namespace RealtimeDenoise.Engine.Tests.Metrics;

public class SignalAlignmentTests
{
    private static float[] Noise(int n, int seed)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
    }

    private static float[] Delay(float[] x, int delay) =>
        Enumerable.Range(0, x.Length).Select(i => i - delay >= 0 && i - delay < x.Length ? x[i - delay] : 0f).ToArray();

    [Theory]
    [InlineData(0), InlineData(37), InlineData(-37), InlineData(512), InlineData(-800)]
    public void FindsTheDelayOfADelayedCopy(int delay)
    {
        float[] reference = Noise(16000, 1);
        float[] delayed = Delay(reference, delay);
        Assert.Equal(delay, SignalAlignment.EstimateLag(reference, delayed, maxLagMs: 50, sampleRate: 16000));
    }

    [Fact]
    public void FindsTheDelayUnderNoiseAndGainChange()
    {
        float[] reference = Noise(16000, 2);
        float[] noise = Noise(16000, 3);
        float[] delayed = Delay(reference, 200).Select((v, i) => 0.3f * v + 0.3f * noise[i]).ToArray();
        Assert.Equal(200, SignalAlignment.EstimateLag(reference, delayed, 400));
    }

    [Fact]
    public void RejectsNegativeRangeAndEmptySignals()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => SignalAlignment.EstimateLag(new float[4], new float[4], -1));
        Assert.Throws<ArgumentException>(() => SignalAlignment.EstimateLag([], new float[4], 3));
    }

    [Fact]
    public void ShiftUndoesTheDelay()
    {
        float[] reference = Noise(1000, 4);
        float[] delayed = Delay(reference, 25);
        float[] aligned = SignalAlignment.Shift(delayed, 25);
        Assert.Equal(reference[..975], aligned[..975]);
        Assert.All(aligned[975..], v => Assert.Equal(0f, v));
        Assert.Equal(delayed, SignalAlignment.Shift(aligned, -25));
    }
}
