using RealtimeDenoise.Dsp;
using Xunit;

namespace RealtimeDenoise.Engine.Tests.Dsp;

public class MinimumStatisticsTests
{
    /// <summary>
    /// Against a naive reference that keeps every smoothed frame: after frame t the floor is bias times the minimum
    /// over the last subWindows·S + c frames (S frames per sub-window, c = (t + 1) mod S frames of the one in progress).
    /// </summary>
    [Theory]
    [InlineData(20f, 4, 0.8f), InlineData(7f, 3, 0f), InlineData(1f, 1, 0.5f), InlineData(30f, 8, 0.9f)]
    public void Floor_IsTheWindowedMinimumOfTheSmoothedPower(float windowFrames, int subWindows, float smoothing)
    {
        const int bins = 5, frames = 200;
        const float bias = 1.7f;
        var floor = new MinimumStatistics(bins, windowFrames, subWindows, smoothing, bias);
        int s = floor.SubWindowFrames;
        Assert.Equal(Math.Max(1, (int)MathF.Round(windowFrames / subWindows)), s);
        var random = new Random(3);
        var smoothed = new List<double[]>();
        var power = new float[bins];
        for (int t = 0; t < frames; t++)
        {
            // Level jumps now and then, so the minimum moves in and out of the window.
            double level = (t / 37) % 2 == 0 ? 1 : 100;
            for (int f = 0; f < bins; f++) power[f] = (float)(level * (0.1 + random.NextDouble()));
            floor.Push(power);

            var next = new double[bins];
            for (int f = 0; f < bins; f++) next[f] = t == 0 ? power[f] : smoothing * smoothed[^1][f] + (1 - smoothing) * power[f];
            smoothed.Add(next);
            int span = subWindows * s + (t + 1) % s;
            for (int f = 0; f < bins; f++)
            {
                double min = double.PositiveInfinity;
                for (int k = Math.Max(0, t - span + 1); k <= t; k++) min = Math.Min(min, smoothed[k][f]);
                Assert.Equal(bias * min, floor.Floor[f], 1e-3 * bias * min);
            }
        }
        Assert.Equal(frames, floor.FramesSeen);
    }

    [Fact]
    public void Reset_ForgetsThePast()
    {
        var floor = new MinimumStatistics(3, 10f, 2, 0.5f, 2f);
        for (int t = 0; t < 8; t++) floor.Push([0.01f, 0.01f, 0.01f]);
        floor.Reset();
        Assert.Equal(0, floor.FramesSeen);
        floor.Push([4f, 5f, 6f]);
        Assert.Equal([8f, 10f, 12f], floor.Floor.ToArray());
    }

    [Fact]
    public void BadArguments_AreRejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new MinimumStatistics(0, 10f, 2, 0.5f, 2f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new MinimumStatistics(3, 0.5f, 2, 0.5f, 2f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new MinimumStatistics(3, 10f, 0, 0.5f, 2f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new MinimumStatistics(3, 10f, 2, 1f, 2f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new MinimumStatistics(3, 10f, 2, 0.5f, 0f));
        Assert.Throws<ArgumentException>(() => new MinimumStatistics(3, 10f, 2, 0.5f, 2f).Push(new float[4]));
    }
}
