using RealtimeDenoise.Dsp;
using Xunit;

namespace RealtimeDenoise.Engine.Tests.Dsp;

public class BandSplitterTests
{
    private const int Rate = 16000;

    [Fact]
    public void Bands_SumToTheInput()
    {
        var x = DspTestKit.Noise(8000, seed: 1);
        var bands = DspTestKit.SplitIntoBands(new BandSplitter(Rate, [500f, 2000f, 5000f]), x);
        Assert.Equal(4, bands.Length);
        for (int i = 0; i < x.Length; i++)
        {
            double sum = bands.Sum(b => (double)b[i]);
            Assert.True(Math.Abs(sum - x[i]) < 1e-5, $"sample {i}: {sum} vs {x[i]}");
        }
        Assert.All(bands, b => Assert.True(b.Max(Math.Abs) > 0.05f)); // every band carries part of white noise
    }

    /// <summary>
    /// The lowest band's steady-state gain for a sine equals the bilinear-transform Butterworth response
    /// |H|² = 1 / (1 + (tan(πf/fs) / tan(πfc/fs))⁴), and the highest band's is the complement |1 − H|.
    /// </summary>
    [Theory]
    [InlineData(250.0), InlineData(1000.0), InlineData(2000.0), InlineData(4000.0), InlineData(7000.0)]
    public void TwoBands_FollowTheButterworthResponse(double frequency)
    {
        const double fc = 2000;
        var x = new float[Rate];
        for (int i = 0; i < x.Length; i++) x[i] = (float)Math.Sin(2 * Math.PI * frequency * i / Rate);
        var bands = DspTestKit.SplitIntoBands(new BandSplitter(Rate, [(float)fc]), x);

        // H(e^jw) of the bilinear Butterworth lowpass, as a complex number: from its s-domain form at the warped frequency.
        double ratio = Math.Tan(Math.PI * frequency / Rate) / Math.Tan(Math.PI * fc / Rate);
        var s = new System.Numerics.Complex(0, ratio);
        var h = 1 / (s * s + Math.Sqrt(2) * s + 1);
        double expectedLow = h.Magnitude, expectedHigh = (1 - h).Magnitude;

        static double Rms(float[] v) => Math.Sqrt(v.Skip(v.Length / 2).Average(a => (double)a * a));
        double input = Rms(x);
        Assert.Equal(expectedLow, Rms(bands[0]) / input, 3);
        Assert.Equal(expectedHigh, Rms(bands[1]) / input, 3);
        Assert.Equal(1 / Math.Sqrt(1 + Math.Pow(ratio, 4)), expectedLow, 9); // the textbook magnitude, as a check on the reference
    }

    [Fact]
    public void NoCrossovers_IsOneBand_TheSignalItself()
    {
        var splitter = new BandSplitter(Rate, []);
        Assert.Equal(1, splitter.Bands);
        var values = new float[1];
        splitter.Split(0.25f, values);
        Assert.Equal(0.25f, values[0]);
    }

    [Fact]
    public void Reset_Replays()
    {
        var x = DspTestKit.Noise(2000, seed: 2);
        var splitter = new BandSplitter(Rate, [1000f, 3000f]);
        var first = DspTestKit.SplitIntoBands(splitter, x);
        splitter.Reset();
        var second = DspTestKit.SplitIntoBands(splitter, x);
        for (int k = 0; k < first.Length; k++) Assert.Equal(first[k], second[k]);
    }

    [Theory]
    [InlineData(0f), InlineData(-100f), InlineData(8000f), InlineData(9000f), InlineData(float.NaN)]
    public void CrossoverOutsideTheBand_Throws(float crossover) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new BandSplitter(Rate, [crossover]));

    [Fact]
    public void CrossoversNotAscending_Throw() =>
        Assert.Throws<ArgumentException>(() => new BandSplitter(Rate, [2000f, 1000f]));
}
