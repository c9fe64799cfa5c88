using RealtimeDenoise.Dsp;
using RealtimeDenoise.Enhancement;
using static RealtimeDenoise.Engine.Tests.Enhancement.TestSignals;

namespace RealtimeDenoise.Engine.Tests.Enhancement;

public class HarmonicCombTests
{
    private const int Rate = 16000, FftSize = 512, Bins = FftSize / 2 + 1;
    private const float BinHz = (float)Rate / FftSize;

    /// <summary>Harmonics of <paramref name="f0"/> up to 4 kHz with a 1/h envelope, random phases.</summary>
    private static float[] Harmonic(double f0, int samples, int seed)
    {
        var rng = new Random(seed);
        var x = new float[samples];
        for (int h = 1; h * f0 < 4000; h++)
        {
            double phase = rng.NextDouble() * 2 * Math.PI, a = 0.3 / h;
            for (int n = 0; n < samples; n++) x[n] += (float)(a * Math.Sin(2 * Math.PI * h * f0 * n / Rate + phase));
        }
        return x;
    }

    /// <summary>Power spectrum of the frame in the middle of <paramref name="x"/> (the product's STFT: sqrt-Hann, 512/128).</summary>
    private static float[] MiddleFramePower(float[] x)
    {
        var spec = new Stft(new StftConfig(FftSize, FftSize / 4, Rate)).Analyze(x);
        var power = spec.Power();
        return power.AsSpan(spec.Frames / 2 * Bins, Bins).ToArray();
    }

    [Theory]
    [InlineData(85.0)]
    [InlineData(123.4)]
    [InlineData(200.0)]
    [InlineData(310.0)]
    public void Analyze_FindsTheFundamentalOfAHarmonicFrame(double f0)
    {
        var comb = new HarmonicComb(Bins, BinHz);
        comb.Analyze(MiddleFramePower(Harmonic(f0, 4096, seed: 1)));
        double found = comb.F0Bins * BinHz;
        Assert.True(Math.Abs(found / f0 - 1) < 0.01, $"f0 {f0} Hz, found {found:F1} Hz");
        // Measured voicing: 0.26 at 85 Hz (the window's main lobe fills much of a 2.7-bin period), 0.54 / 0.72 / 0.81 above.
        Assert.True(comb.Depth(1f) > 0.5f, $"voicing {comb.Voicing:F2}");
    }

    /// <summary>At 0 dB frame SNR in white noise, f0 is still found (no octave error) and the frame still counts as voiced.</summary>
    [Theory]
    [InlineData(110.0)]
    [InlineData(220.0)]
    public void Analyze_FindsTheFundamentalInNoise(double f0)
    {
        var tone = Harmonic(f0, 4096, seed: 2);
        var noisy = Add(tone, WhiteNoise(tone.Length, (float)Rms(tone), seed: 3));
        var comb = new HarmonicComb(Bins, BinHz);
        comb.Analyze(MiddleFramePower(noisy));
        double found = comb.F0Bins * BinHz;
        Assert.True(Math.Abs(found / f0 - 1) < 0.02, $"f0 {f0} Hz, found {found:F1} Hz");
        Assert.True(comb.Depth(1f) > 0, $"voicing {comb.Voicing:F2}");
    }

    /// <summary>
    /// Noise alone comes out barely voiced: the best of some 300 candidate combs fits chance peaks a little (voicing
    /// median 0.12 against 0.26–0.81 for the clean harmonic frames above), so the comb is at most shallow there; silence
    /// is not voiced at all.
    /// </summary>
    [Fact]
    public void NoiseIsBarelyVoicedAndSilenceNotAtAll()
    {
        var comb = new HarmonicComb(Bins, BinHz);
        var spec = new Stft(new StftConfig(FftSize, FftSize / 4, Rate)).Analyze(WhiteNoise(Rate, 0.1f, seed: 4));
        var power = spec.Power();
        var depths = new List<float>();
        for (int t = 4; t < spec.Frames - 4; t++)
        {
            comb.Analyze(power.AsSpan(t * Bins, Bins));
            depths.Add(comb.Depth(1f));
        }
        depths.Sort();
        // Measured: median 0.08, 90th percentile 0.22.
        Assert.True(depths[depths.Count / 2] < 0.15f && depths[depths.Count * 9 / 10] < 0.35f,
            $"white noise: median depth {depths[depths.Count / 2]:F2}, 90th percentile {depths[depths.Count * 9 / 10]:F2}");

        comb.Analyze(new float[Bins]);
        Assert.Equal(0f, comb.Depth(1f));
        var factors = new float[Bins];
        comb.Shape(factors, comb.Depth(1f));
        Assert.All(factors, v => Assert.Equal(1f, v));
    }

    /// <summary>The factors peak at the harmonics, dip between them, average 1 over whole periods and are 1 above the top frequency.</summary>
    [Fact]
    public void Shape_PeaksAtHarmonicsAndKeepsTheMean()
    {
        const double f0 = 250.0; // 8 bins: whole periods fit between bins
        var comb = new HarmonicComb(Bins, BinHz, topHz: 3000);
        comb.Analyze(MiddleFramePower(Harmonic(f0, 4096, seed: 5)));
        Assert.InRange(comb.F0Bins, 7.95f, 8.05f);
        var factors = new float[Bins];
        comb.Shape(factors, 0.8f);
        int top = (int)(3000 / BinHz);
        for (int h = 2; h <= 6; h++)
        {
            Assert.True(factors[h * 8] > 1.5f, $"harmonic {h}: {factors[h * 8]}");
            Assert.True(factors[h * 8 - 4] < 0.3f, $"valley below harmonic {h}: {factors[h * 8 - 4]}"); // 1 − depth = 0.2 at an exact valley
        }
        double mean = 0;
        for (int f = 4; f < 4 + 8 * 10; f++) mean += factors[f];
        Assert.InRange(mean / 80, 0.97, 1.03);
        for (int f = top + 1; f < Bins; f++) Assert.Equal(1f, factors[f]);
        for (int f = 0; f < 4; f++) Assert.Equal(1f, factors[f]); // below half a period: left alone

        comb.Shape(factors, 0f);
        Assert.All(factors, v => Assert.Equal(1f, v));
    }

    /// <summary>
    /// On a finished mask the comb scales the SNR the mask implies, m/(1 − m), by exactly the comb's factors: up at the
    /// harmonics, down between them, unchanged above the top frequency; masks of 0 and 1 stay, nothing becomes NaN.
    /// </summary>
    [Fact]
    public void ApplyToMask_ScalesTheMasksSnrByTheCombFactors()
    {
        const float depth = 0.8f;
        var power = MiddleFramePower(Harmonic(250.0, 4096, seed: 6));
        var mask = new float[Bins];
        Array.Fill(mask, 0.5f);
        mask[1] = 0f;
        mask[2] = 1f;
        var comb = new HarmonicComb(Bins, BinHz);
        comb.ApplyToMask(mask, power, depth, new float[Bins], new float[Bins]);
        Assert.InRange(comb.F0Bins, 7.95f, 8.05f); // found in m²·p, which a uniform mask leaves harmonic

        var factors = new float[Bins];
        comb.Shape(factors, comb.Depth(depth));
        Assert.Equal(0f, mask[1]);
        Assert.Equal(1f, mask[2]);
        for (int f = 3; f < Bins; f++)
            Assert.Equal(factors[f], mask[f] / (1 - mask[f]), 3); // the SNR was 1
        for (int h = 2; h <= 6; h++)
        {
            Assert.True(mask[h * 8] > 0.7f, $"harmonic {h}: {mask[h * 8]}");
            Assert.True(mask[h * 8 - 4] < 0.2f, $"valley below harmonic {h}: {mask[h * 8 - 4]}");
        }
        for (int f = (int)(HarmonicComb.DefaultTopHz / BinHz) + 1; f < Bins; f++) Assert.Equal(0.5f, mask[f]);

        // Silence is not voiced: the mask is left as it was.
        Array.Fill(mask, 0.5f);
        comb.ApplyToMask(mask, new float[Bins], depth, new float[Bins], new float[Bins]);
        Assert.All(mask, v => Assert.Equal(0.5f, v));
    }

    [Fact]
    public void BadArguments_Throw()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new HarmonicComb(4, BinHz));
        Assert.Throws<ArgumentOutOfRangeException>(() => new HarmonicComb(Bins, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new HarmonicComb(Bins, BinHz, topHz: 500));
        Assert.Throws<ArgumentOutOfRangeException>(() => new HarmonicComb(Bins, BinHz, minF0Hz: 300, maxF0Hz: 200));
        var comb = new HarmonicComb(Bins, BinHz);
        Assert.Throws<ArgumentException>(() => comb.Analyze(new float[Bins - 1]));
        Assert.Throws<ArgumentException>(() => comb.Shape(new float[Bins - 1], 0.5f));
        Assert.Throws<ArgumentException>(() => comb.ApplyToMask(new float[Bins - 1], new float[Bins], 0.5f, new float[Bins], new float[Bins]));
        Assert.Throws<ArgumentException>(() => comb.ApplyToMask(new float[Bins], new float[Bins], 0.5f, new float[Bins - 1], new float[Bins]));
        Assert.Throws<ArgumentException>(() => comb.ApplyToMask(new float[Bins], new float[Bins], 0.5f, new float[Bins], new float[Bins - 1]));
        Assert.Throws<ArgumentOutOfRangeException>(() => new OfflineOptions { HarmonicDepth = -0.1f }.Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new StreamingOptions { HarmonicDepth = 1.5f }.Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new StreamingOptions { HarmonicTopHz = float.NaN }.Validate());
    }
}
