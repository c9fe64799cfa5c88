using RealtimeDenoise.Dsp;

namespace RealtimeDenoise.Engine.Tests.Dsp;

public class RealFftTests
{
    [Theory]
    [InlineData(4), InlineData(8), InlineData(256), InlineData(512), InlineData(1024), InlineData(2048), InlineData(4096)]
    public void ForwardMatchesNaiveDft(int n)
    {
        var rng = new Random(n);
        var x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float)(rng.NextDouble() * 2 - 1);
        var fft = new RealFft(n);
        var re = new float[n / 2 + 1];
        var im = new float[n / 2 + 1];
        fft.Forward(x, re, im);

        double maxErr = 0, maxMag = 0;
        for (int k = 0; k <= n / 2; k++)
        {
            double sr = 0, si = 0;
            for (int t = 0; t < n; t++)
            {
                double a = -2 * Math.PI * ((long)k * t % n) / n;
                sr += x[t] * Math.Cos(a);
                si += x[t] * Math.Sin(a);
            }
            maxErr = Math.Max(maxErr, Math.Max(Math.Abs(sr - re[k]), Math.Abs(si - im[k])));
            maxMag = Math.Max(maxMag, Math.Sqrt(sr * sr + si * si));
        }
        Assert.True(maxErr / maxMag <= 1e-5, $"relative error {maxErr / maxMag:E2}");
    }

    [Theory]
    [InlineData(16), InlineData(512), InlineData(4096)]
    public void InverseUndoesForward(int n)
    {
        var rng = new Random(7);
        var x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float)rng.NextDouble() - 0.5f;
        var fft = new RealFft(n);
        var re = new float[n / 2 + 1];
        var im = new float[n / 2 + 1];
        var y = new float[n];
        fft.Forward(x, re, im);
        fft.Inverse(re, im, y);
        for (int i = 0; i < n; i++) Assert.True(Math.Abs(x[i] - y[i]) <= 1e-5f, $"sample {i}: {x[i]} vs {y[i]}");
    }

    [Fact]
    public void BatchStftReconstructsAligned()
    {
        var stft = new Stft(StftConfig.Default);
        var rng = new Random(1);
        var x = new float[5000];
        for (int i = 0; i < x.Length; i++) x[i] = (float)rng.NextDouble() - 0.5f;
        var y = stft.Synthesize(stft.Analyze(x), x.Length);
        for (int i = 0; i < x.Length; i++) Assert.True(Math.Abs(x[i] - y[i]) <= 1e-5f, $"sample {i}: {x[i]} vs {y[i]}");
    }
}
