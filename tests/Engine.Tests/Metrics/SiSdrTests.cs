using RealtimeDenoise.Metrics;

namespace RealtimeDenoise.Engine.Tests.Metrics;

public class SiSdrTests
{
    /// <summary>Zero-mean random signal s and zero-mean e orthogonal to s with ‖s‖²/‖e‖² = 10^(snrDb/10), built in double.</summary>
    internal static (double[] S, double[] E) OrthogonalPair(int n, double snrDb, int seed)
    {
        var rng = new Random(seed);
        var s = new double[n];
        var e = new double[n];
        for (int i = 0; i < n; i++) { s[i] = rng.NextDouble() * 2 - 1; e[i] = rng.NextDouble() * 2 - 1; }
        RemoveMean(s);
        RemoveMean(e);
        double se = Dot(s, e), ss = Dot(s, s);
        for (int i = 0; i < n; i++) e[i] -= se / ss * s[i];
        double scale = Math.Sqrt(ss / Dot(e, e) / Math.Pow(10, snrDb / 10));
        for (int i = 0; i < n; i++) e[i] *= scale;
        return (s, e);
    }

    private static void RemoveMean(double[] x)
    {
        double m = x.Average();
        for (int i = 0; i < x.Length; i++) x[i] -= m;
    }

    private static double Dot(double[] a, double[] b)
    {
        double sum = 0;
        for (int i = 0; i < a.Length; i++) sum += a[i] * b[i];
        return sum;
    }

    private static float[] Combine(double[] s, double sGain, double[] e, double eGain, double offset = 0) =>
        s.Select((v, i) => (float)(sGain * v + eGain * e[i] + offset)).ToArray();

    [Theory]
    [InlineData(10.0), InlineData(0.0), InlineData(-5.0), InlineData(23.5)]
    public void OrthogonalErrorGivesItsPowerRatio(double snrDb)
    {
        var (s, e) = OrthogonalPair(8000, snrDb, seed: 1);
        double value = SiSdr.Compute(Combine(s, 1, e, 0), Combine(s, 1, e, 1));
        Assert.Equal(snrDb, value, 3); // float rounding of the inputs only
    }

    [Fact]
    public void IgnoresScaleAndDcOffsetOfTheEstimate()
    {
        var (s, e) = OrthogonalPair(8000, 7.0, seed: 2);
        float[] reference = Combine(s, 1, e, 0);
        double plain = SiSdr.Compute(reference, Combine(s, 1, e, 1));
        double scaledShifted = SiSdr.Compute(reference, Combine(s, 0.05, e, 0.05, offset: 0.3));
        double scaledReference = SiSdr.Compute(Combine(s, 4, e, 0, offset: -0.2), Combine(s, 1, e, 1));
        Assert.Equal(7.0, plain, 3);
        Assert.Equal(plain, scaledShifted, 3);
        Assert.Equal(plain, scaledReference, 3);
    }

    [Fact]
    public void IdenticalOrRescaledCopyIsInfinite()
    {
        var (s, _) = OrthogonalPair(4000, 0, seed: 3);
        float[] x = s.Select(v => (float)v).ToArray();
        Assert.Equal(double.PositiveInfinity, SiSdr.Compute(x, x));
        Assert.Equal(double.PositiveInfinity, SiSdr.Compute(x, x.Select(v => v * 0.5f).ToArray()));
    }

    [Fact]
    public void OrthogonalEstimateIsMinusInfinityOrVeryLow()
    {
        var (s, e) = OrthogonalPair(4000, 0, seed: 4);
        double value = SiSdr.Compute(Combine(s, 1, e, 0), Combine(s, 0, e, 1));
        Assert.True(value < -60, $"SI-SDR of an orthogonal estimate should be −∞ up to float rounding, got {value}");
    }

    [Fact]
    public void ImprovementIsPositiveWhenNoiseIsReducedAndNegativeWhenIncreased()
    {
        var (s, e) = OrthogonalPair(8000, 0, seed: 5);
        float[] clean = Combine(s, 1, e, 0), noisy = Combine(s, 1, e, 1), halfNoise = Combine(s, 1, e, 0.5);
        // Halving an orthogonal error raises the ratio by exactly 20·log10(2) dB.
        Assert.Equal(20 * Math.Log10(2), SiSdr.Improvement(clean, halfNoise, noisy), 3);
        Assert.Equal(-20 * Math.Log10(2), SiSdr.Improvement(clean, noisy, halfNoise), 3);
        Assert.Equal(0.0, SiSdr.Improvement(clean, noisy, noisy), 12);
    }

    [Fact]
    public void RejectsSilentReferenceMismatchedLengthsAndNaN()
    {
        var x = new float[] { 1, -1, 0.5f, 0.25f };
        Assert.Throws<ArgumentException>(() => SiSdr.Compute(new float[4], x));
        Assert.Throws<ArgumentException>(() => SiSdr.Compute(Enumerable.Repeat(0.3f, 4).ToArray(), x));
        Assert.Throws<ArgumentException>(() => SiSdr.Compute(x, x.AsSpan(0, 3)));
        Assert.Throws<ArgumentException>(() => SiSdr.Compute(x, new float[] { 1, float.NaN, 0, 0 }));
    }
}
