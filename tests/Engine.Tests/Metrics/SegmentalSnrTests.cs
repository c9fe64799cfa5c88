using RealtimeDenoise.Metrics;

namespace RealtimeDenoise.Engine.Tests.Metrics;

public class SegmentalSnrTests
{
    private const int Rate = 16000, Frame = 512; // 32 ms at 16 kHz

    private static float[] Tone(int n) => Enumerable.Range(0, n).Select(i => (float)(0.5 * Math.Sin(2 * Math.PI * 440 * i / Rate) + 0.1)).ToArray();

    [Theory]
    [InlineData(0.1, 20.0)]
    [InlineData(0.5, 6.0206)]
    [InlineData(0.01, 35.0)]   // 40 dB clamped to the upper bound
    [InlineData(10.0, -10.0)]  // −20 dB clamped to the lower bound
    public void ProportionalErrorGivesItsRatioInEveryFrame(double errorGain, double expectedDb)
    {
        float[] s = Tone(Frame * 6);
        float[] estimate = s.Select(v => (float)(v * (1 + errorGain))).ToArray(); // error = errorGain·s
        Assert.Equal(expectedDb, SegmentalSnr.Compute(s, estimate, Rate), 2);
    }

    [Fact]
    public void AveragesClampedFrameValuesAndDropsThePartialFrame()
    {
        float[] s = Tone(Frame * 4 + 100);
        var estimate = (float[])s.Clone();
        for (int i = 2 * Frame; i < 4 * Frame; i++) estimate[i] = s[i] * 1.1f;       // 20 dB in frames 2 and 3
        for (int i = 4 * Frame; i < s.Length; i++) estimate[i] = -s[i];            // partial frame: ignored
        // Frames 0–1 are exact (clamped to 35 dB): (35 + 35 + 20 + 20)/4.
        Assert.Equal(27.5, SegmentalSnr.Compute(s, estimate, Rate), 2);
    }

    [Fact]
    public void SilentReferenceFrameCountsAsLowerBound()
    {
        float[] s = Tone(Frame * 2);
        Array.Clear(s, 0, Frame);
        float[] estimate = s.Select(v => v + 0.001f).ToArray();
        double value = SegmentalSnr.Compute(s, estimate, Rate);
        Assert.Equal((-10 + 35) / 2.0, value, 2);
    }

    [Fact]
    public void RejectsMismatchedLengthsAndEmptySignals()
    {
        Assert.Throws<ArgumentException>(() => SegmentalSnr.Compute(new float[10], new float[9], Rate));
        Assert.Throws<ArgumentException>(() => SegmentalSnr.Compute([], [], Rate));
    }
}
