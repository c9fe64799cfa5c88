using RealtimeDenoise.Dsp;

namespace RealtimeDenoise.Engine.Tests.Dsp;

public class RealFftTests
{
    // 4..16 use the small-size paths, 32 and up mix the radix-8 first pass with radix-2 and radix-4 SIMD passes.
    public static TheoryData<int> Sizes => [4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192];

    [Theory]
    [MemberData(nameof(Sizes))]
    public void ForwardMatchesNaiveDft(int n)
    {
        var x = DspTestKit.Noise(n, n);
        var fft = new RealFft(n);
        Assert.Equal(n / 2 + 1, fft.Bins);
        var re = new float[n / 2 + 1];
        var im = new float[n / 2 + 1];
        fft.Forward(x, re, im);

        var (cos, sin) = UnitCircle(n);
        double maxErr = 0, maxMag = 0;
        for (int k = 0; k <= n / 2; k++)
        {
            double sr = 0, si = 0;
            for (int t = 0; t < n; t++)
            {
                int a = (int)((long)k * t % n);
                sr += x[t] * cos[a];
                si -= x[t] * sin[a];
            }
            maxErr = Math.Max(maxErr, Math.Max(Math.Abs(sr - re[k]), Math.Abs(si - im[k])));
            maxMag = Math.Max(maxMag, Math.Sqrt(sr * sr + si * si));
        }
        Assert.True(maxErr / maxMag <= 1e-5, $"relative error {maxErr / maxMag:E2}");
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public void InverseMatchesNaiveInverseDft(int n)
    {
        // A random Hermitian half spectrum (bins 0 and N/2 real): x[t] = (1/N) Σ_k X[k] e^{2πikt/N} over all N bins.
        var rng = new Random(n + 1);
        var re = new float[n / 2 + 1];
        var im = new float[n / 2 + 1];
        for (int k = 0; k <= n / 2; k++)
        {
            re[k] = (float)(rng.NextDouble() * 2 - 1);
            im[k] = k == 0 || k == n / 2 ? 0f : (float)(rng.NextDouble() * 2 - 1);
        }
        var y = new float[n];
        new RealFft(n).Inverse(re, im, y);

        var (cos, sin) = UnitCircle(n);
        double maxErr = 0, maxVal = 0;
        for (int t = 0; t < n; t++)
        {
            double s = re[0] + re[n / 2] * (t % 2 == 0 ? 1 : -1);
            for (int k = 1; k < n / 2; k++)
            {
                int a = (int)((long)k * t % n);
                s += 2 * (re[k] * cos[a] - im[k] * sin[a]);
            }
            s /= n;
            maxErr = Math.Max(maxErr, Math.Abs(s - y[t]));
            maxVal = Math.Max(maxVal, Math.Abs(s));
        }
        Assert.True(maxErr / maxVal <= 1e-5, $"relative error {maxErr / maxVal:E2}");
    }

    /// <summary>cos and sin of 2πa/N for a = 0..N−1, in double precision (the naive DFT's reference values).</summary>
    private static (double[] Cos, double[] Sin) UnitCircle(int n)
    {
        var c = new double[n];
        var s = new double[n];
        for (int a = 0; a < n; a++) { c[a] = Math.Cos(2 * Math.PI * a / n); s[a] = Math.Sin(2 * Math.PI * a / n); }
        return (c, s);
    }

    [Theory]
    [InlineData(16), InlineData(512), InlineData(4096)]
    public void InverseUndoesForward(int n)
    {
        var x = DspTestKit.Noise(n, 7);
        var fft = new RealFft(n);
        var re = new float[n / 2 + 1];
        var im = new float[n / 2 + 1];
        var y = new float[n];
        fft.Forward(x, re, im);
        fft.Inverse(re, im, y);
        for (int i = 0; i < n; i++) Assert.True(Math.Abs(x[i] - y[i]) <= 1e-5f, $"sample {i}: {x[i]} vs {y[i]}");
    }

    [Fact]
    public void ForwardOfImpulseAndSineAreExact()
    {
        const int n = 256;
        var fft = new RealFft(n);
        var re = new float[n / 2 + 1];
        var im = new float[n / 2 + 1];
        var impulse = new float[n];
        impulse[3] = 1; // X[k] = e^{−2πi·3k/N}
        fft.Forward(impulse, re, im);
        for (int k = 0; k <= n / 2; k++)
        {
            Assert.Equal(Math.Cos(-2 * Math.PI * 3 * k / n), re[k], 5);
            Assert.Equal(Math.Sin(-2 * Math.PI * 3 * k / n), im[k], 5);
        }
        var cosine = Enumerable.Range(0, n).Select(t => (float)Math.Cos(2 * Math.PI * 10 * t / n)).ToArray();
        fft.Forward(cosine, re, im);
        for (int k = 0; k <= n / 2; k++)
        {
            Assert.Equal(k == 10 ? n / 2.0 : 0.0, re[k], 3);
            Assert.Equal(0.0, im[k], 3);
        }
    }

    [Fact]
    public void ForwardAndInverseDoNotAllocate()
    {
        var fft = new RealFft(1024);
        var x = DspTestKit.Noise(1024, 3);
        var re = new float[fft.Bins];
        var im = new float[fft.Bins];
        for (int i = 0; i < 50; i++) { fft.Forward(x, re, im); fft.Inverse(re, im, x); }
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 500; i++) { fft.Forward(x, re, im); fft.Inverse(re, im, x); }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Theory]
    [InlineData(0), InlineData(2), InlineData(12), InlineData(-8), InlineData(1000)]
    public void RejectsSizesThatAreNotPowersOfTwo(int n)
    {
        Assert.Throws<ArgumentException>(() => new RealFft(n));
    }

    [Fact]
    public void RejectsWrongSpanLengths()
    {
        var fft = new RealFft(64);
        Assert.Throws<ArgumentException>(() => fft.Forward(new float[63], new float[33], new float[33]));
        Assert.Throws<ArgumentException>(() => fft.Forward(new float[64], new float[32], new float[33]));
        Assert.Throws<ArgumentException>(() => fft.Inverse(new float[33], new float[33], new float[65]));
        Assert.Throws<ArgumentException>(() => fft.Inverse(new float[33], new float[30], new float[64]));
    }
}
