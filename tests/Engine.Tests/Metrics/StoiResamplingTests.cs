using RealtimeDenoise.Metrics;

namespace RealtimeDenoise.Engine.Tests.Metrics;

public class StoiResamplingTests
{
    [Theory]
    [InlineData(16000, 1000.0)]
    [InlineData(16000, 3500.0)]
    [InlineData(48000, 440.0)]
    [InlineData(8000, 1200.0)]
    public void SineKeepsItsFrequencyAndAmplitude(int rate, double hz)
    {
        int n = rate; // one second
        float[] x = Enumerable.Range(0, n).Select(i => (float)Math.Sin(2 * Math.PI * hz * i / rate)).ToArray();
        float[] y = StoiResampling.To10kHz(x, rate);
        Assert.Equal((int)Math.Ceiling(n * 10000.0 / rate), y.Length);
        // Away from the edges (filter transients), y must be the same sine sampled at 10 kHz.
        double maxError = 0;
        for (int m = 200; m < y.Length - 200; m++)
            maxError = Math.Max(maxError, Math.Abs(y[m] - Math.Sin(2 * Math.PI * hz * m / 10000.0)));
        Assert.True(maxError < 2e-3, $"max error {maxError:E2}");
    }

    [Fact]
    public void RemovesContentAboveTheNewNyquistFrequency()
    {
        int rate = 16000;
        float[] x = Enumerable.Range(0, rate).Select(i => (float)Math.Sin(2 * Math.PI * 6500 * i / rate)).ToArray();
        float[] y = StoiResampling.To10kHz(x, rate);
        double rms = Math.Sqrt(y.Skip(200).Take(y.Length - 400).Average(v => (double)v * v));
        Assert.True(rms < 0.01, $"6.5 kHz should be filtered out before decimation to 10 kHz; rms {rms:E2}");
    }
}
