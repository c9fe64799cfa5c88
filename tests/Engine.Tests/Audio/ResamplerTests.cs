using RealtimeDenoise.Audio;
using RealtimeDenoise.Dsp;
using Xunit.Abstractions;

namespace RealtimeDenoise.Engine.Tests.Audio;

public class ResamplerTests(ITestOutputHelper log)
{
    public static TheoryData<int, int> RatePairs() => new()
    {
        { 48000, 16000 }, { 16000, 48000 }, { 44100, 16000 }, { 16000, 44100 },
        { 8000, 11025 }, { 11025, 8000 }, { 22050, 32000 }, { 96000, 44100 }, { 44100, 48000 }, { 8000, 96000 },
    };

    private static float[] Sine(int length, double frequency, int rate, double amplitude = 0.5, double phase = 0)
    {
        var x = new float[length];
        for (int i = 0; i < length; i++) x[i] = (float)(amplitude * Math.Sin(2 * Math.PI * frequency * i / rate + phase));
        return x;
    }

    /// <summary>Least-squares amplitude of a sinusoid at <paramref name="cyclesPerSample"/> over y[from..to), and the RMS left after removing it.</summary>
    private static (double Amplitude, double ResidualRms) FitSine(float[] y, double cyclesPerSample, int from, int to)
    {
        double scc = 0, sss = 0, scs = 0, syc = 0, sys = 0;
        for (int n = from; n < to; n++)
        {
            double c = Math.Cos(2 * Math.PI * cyclesPerSample * n), s = Math.Sin(2 * Math.PI * cyclesPerSample * n);
            scc += c * c; sss += s * s; scs += c * s; syc += y[n] * c; sys += y[n] * s;
        }
        double det = scc * sss - scs * scs;
        double a = (syc * sss - sys * scs) / det, b = (sys * scc - syc * scs) / det;
        double residual = 0;
        for (int n = from; n < to; n++)
        {
            double e = y[n] - a * Math.Cos(2 * Math.PI * cyclesPerSample * n) - b * Math.Sin(2 * Math.PI * cyclesPerSample * n);
            residual += e * e;
        }
        return (Math.Sqrt(a * a + b * b), Math.Sqrt(residual / (to - from)));
    }

    private static double Rms(ReadOnlySpan<float> x)
    {
        double sum = 0;
        foreach (float v in x) sum += (double)v * v;
        return Math.Sqrt(sum / x.Length);
    }

    /// <summary>Output samples to ignore at each end: the filter's reach, where the zero padding beyond the signal shows.</summary>
    private static int Margin(Resampler r) => (int)Math.Ceiling(r.DelayOutputSamples * 2) + 4;

    [Theory]
    [MemberData(nameof(RatePairs))]
    public void PassbandSinesComeThroughAlignedWithin0Point1Db(int from, int to)
    {
        var probe = new Resampler(from, to);
        int length = from / 4;
        double nyquistLow = Math.Min(from, to) / 2.0;
        double worstDb = 0, worstError = 0;
        for (int k = 0; k <= 12; k++)
        {
            double f = 30 + (0.9 * nyquistLow - 30) * k / 12;
            var y = Resampler.ResampleAligned(Sine(length, f, from), from, to);
            Assert.Equal((int)Math.Round((double)length * to / from), y.Length);
            int m = Margin(probe);
            var (amplitude, _) = FitSine(y, f / to, m, y.Length - m);
            worstDb = Math.Max(worstDb, Math.Abs(20 * Math.Log10(amplitude / 0.5)));
            // Aligned: the output equals the same sine sampled at the output times, no shift.
            for (int n = m; n < y.Length - m; n++)
                worstError = Math.Max(worstError, Math.Abs(y[n] - 0.5 * Math.Sin(2 * Math.PI * f * n / to)));
        }
        log.WriteLine($"{from}→{to}: passband ripple {worstDb:F5} dB, sample error {worstError:E2}, {probe.TapsPerPhase} taps/output");
        Assert.True(worstDb <= 0.1, $"{from}→{to}: passband ripple {worstDb:F4} dB");
        Assert.True(worstError <= 1e-3, $"{from}→{to}: sample error {worstError:E2} (shifted or distorted)");
    }

    [Theory]
    [InlineData(48000, 16000), InlineData(44100, 16000), InlineData(11025, 8000), InlineData(96000, 44100), InlineData(48000, 44100)]
    public void TonesAboveNewNyquistAreAttenuated80Db(int from, int to)
    {
        var probe = new Resampler(from, to);
        int m = Margin(probe);
        double newNyquist = to / 2.0, oldNyquist = from / 2.0;
        double worstDb = -999;
        foreach (double fraction in new[] { 0.0, 0.02, 0.1, 0.3, 0.6, 0.95 })
        {
            double f = newNyquist + 1 + fraction * (oldNyquist - newNyquist - 1);
            var y = Resampler.ResampleAligned(Sine(from / 4, f, from), from, to);
            double db = 20 * Math.Log10(Rms(y.AsSpan(m, y.Length - 2 * m)) / (0.5 / Math.Sqrt(2)));
            worstDb = Math.Max(worstDb, db);
        }
        log.WriteLine($"{from}→{to}: worst alias of a tone above the new Nyquist {worstDb:F1} dB");
        Assert.True(worstDb <= -80, $"{from}→{to}: worst alias {worstDb:F1} dB");
    }

    [Theory]
    [InlineData(16000, 48000), InlineData(16000, 44100), InlineData(8000, 11025), InlineData(22050, 32000)]
    public void ImagesOfUpsampledTonesAreBelow80Db(int from, int to)
    {
        var probe = new Resampler(from, to);
        int m = Margin(probe);
        double worstDb = -999;
        foreach (double fraction in new[] { 0.05, 0.5, 0.9 })
        {
            double f = fraction * from / 2;
            var y = Resampler.ResampleAligned(Sine(from / 4, f, from), from, to);
            var (_, residual) = FitSine(y, f / to, m, y.Length - m);
            worstDb = Math.Max(worstDb, 20 * Math.Log10(residual / (0.5 / Math.Sqrt(2))));
        }
        log.WriteLine($"{from}→{to}: worst image of a passband tone {worstDb:F1} dB");
        Assert.True(worstDb <= -80, $"{from}→{to}: worst image {worstDb:F1} dB");
    }

    /// <summary>White noise whose spectrum is flat over [lowHz, highHz] and zero elsewhere (built in the frequency domain).</summary>
    private static float[] BandNoise(int n, int rate, double lowHz, double highHz, int seed)
    {
        var rng = new Random(seed);
        var re = new float[n / 2 + 1];
        var im = new float[n / 2 + 1];
        for (int k = 1; k < n / 2; k++)
        {
            double f = (double)k * rate / n;
            if (f < lowHz || f > highHz) continue;
            double phase = 2 * Math.PI * rng.NextDouble();
            re[k] = (float)Math.Cos(phase);
            im[k] = (float)Math.Sin(phase);
        }
        var x = new float[n];
        new RealFft(n).Inverse(re, im, x);
        float scale = (float)(0.3 / Rms(x));
        for (int i = 0; i < n; i++) x[i] *= scale;
        return x;
    }

    [Theory]
    [InlineData(48000, 16000), InlineData(44100, 16000), InlineData(32000, 22050)]
    public void NoiseAboveNewNyquistIsRemovedAndNoiseBelowIsKept(int from, int to)
    {
        var probe = new Resampler(from, to);
        int m = Margin(probe);
        const int n = 16384;

        var high = BandNoise(n, from, to / 2.0 + 5, from / 2.0, seed: 1);
        var yHigh = Resampler.ResampleAligned(high, from, to);
        double aliasDb = 20 * Math.Log10(Rms(yHigh.AsSpan(m, yHigh.Length - 2 * m)) / Rms(high));
        log.WriteLine($"{from}→{to}: aliased stop-band noise {aliasDb:F1} dB");
        Assert.True(aliasDb <= -80, $"{from}→{to}: aliased noise {aliasDb:F1} dB");

        var low = BandNoise(n, from, 20, 0.9 * to / 2, seed: 2);
        var yLow = Resampler.ResampleAligned(low, from, to);
        int mIn = (int)Math.Ceiling((double)m * from / to);
        double gainDb = 20 * Math.Log10(Rms(yLow.AsSpan(m, yLow.Length - 2 * m)) / Rms(low.AsSpan(mIn, low.Length - 2 * mIn)));
        log.WriteLine($"{from}→{to}: pass-band noise gain {gainDb:F4} dB");
        Assert.True(Math.Abs(gainDb) <= 0.1, $"{from}→{to}: passband noise gain {gainDb:F3} dB");
    }

    [Theory]
    [InlineData(16000, 48000), InlineData(16000, 44100)]
    public void UpsampledWhiteNoiseHasNoImages(int from, int to)
    {
        var rng = new Random(5);
        var x = new float[from];
        for (int i = 0; i < x.Length; i++) x[i] = (float)(rng.NextDouble() - 0.5);
        var y = Resampler.ResampleAligned(x, from, to);

        // Averaged power spectrum with a 4-term Blackman–Harris window (side lobes below −92 dB).
        const int size = 2048;
        var window = new float[size];
        for (int i = 0; i < size; i++)
        {
            double a = 2 * Math.PI * i / size;
            window[i] = (float)(0.35875 - 0.48829 * Math.Cos(a) + 0.14128 * Math.Cos(2 * a) - 0.01168 * Math.Cos(3 * a));
        }
        var fft = new RealFft(size);
        var power = new double[size / 2 + 1];
        var frame = new float[size];
        var re = new float[size / 2 + 1];
        var im = new float[size / 2 + 1];
        int m = Margin(new Resampler(from, to));
        for (int start = m; start + size <= y.Length - m; start += size / 2)
        {
            for (int i = 0; i < size; i++) frame[i] = y[start + i] * window[i];
            fft.Forward(frame, re, im);
            for (int k = 0; k <= size / 2; k++) power[k] += (double)re[k] * re[k] + (double)im[k] * im[k];
        }
        double binHz = (double)to / size;
        double pass = Enumerable.Range(0, size / 2 + 1).Where(k => k * binHz > 100 && k * binHz < 0.9 * from / 2).Average(k => power[k]);
        double stop = Enumerable.Range(0, size / 2 + 1).Where(k => k * binHz > from / 2.0 + 5 * binHz).Max(k => power[k]);
        double db = 10 * Math.Log10(stop / pass);
        log.WriteLine($"{from}→{to}: strongest image in noise spectrum {db:F1} dB");
        Assert.True(db <= -80, $"{from}→{to}: strongest image {db:F1} dB");
    }

    [Theory]
    [InlineData(48000, 16000), InlineData(16000, 48000), InlineData(44100, 16000), InlineData(16000, 44100), InlineData(11025, 96000)]
    public void StreamingInAnyBlockSizeEqualsOneCall(int from, int to)
    {
        var rng = new Random(from + to);
        var x = new float[3 * from / 4];
        for (int i = 0; i < x.Length; i++) x[i] = (float)(rng.NextDouble() - 0.5);
        var whole = new Resampler(from, to);
        var expected = new float[whole.MaxOutputLength(x.Length)];
        int expectedCount = whole.Process(x, expected);
        Assert.InRange(expectedCount, x.Length * (long)to / from - whole.DelayOutputSamples - 2, x.Length * (long)to / from + 1);

        foreach (int block in new[] { 1, 7, 160, 441, 1023, 5000 })
        {
            var r = new Resampler(from, to);
            var got = new List<float>();
            var output = new float[r.MaxOutputLength(block)];
            for (int at = 0; at < x.Length; at += block)
            {
                int n = r.Process(x.AsSpan(at, Math.Min(block, x.Length - at)), output);
                got.AddRange(output.AsSpan(0, n).ToArray());
            }
            Assert.Equal(expectedCount, got.Count);
            Assert.True(expected.AsSpan(0, expectedCount).SequenceEqual(got.ToArray()), $"block {block} differs");
        }
    }

    [Theory]
    [InlineData(48000, 16000), InlineData(16000, 48000), InlineData(44100, 16000), InlineData(16000, 44100), InlineData(22050, 32000)]
    public void AlignedStreamingWithFlushEqualsOneShot(int from, int to)
    {
        var rng = new Random(from - to);
        var x = new float[from / 3 + 17];
        for (int i = 0; i < x.Length; i++) x[i] = (float)(rng.NextDouble() - 0.5);
        float[] expected = Resampler.ResampleAligned(x, from, to);
        Assert.Equal((int)Math.Round((double)x.Length * to / from), expected.Length);

        var r = Resampler.CreateAligned(from, to);
        foreach (int block in new[] { 1, 13, 480, 4410, 9000 })
        {
            r.Reset();
            var got = new List<float>();
            var output = new float[Math.Max(r.MaxOutputLength(block), r.MaxFlushLength)];
            for (int at = 0; at < x.Length; at += block)
            {
                int n = r.Process(x.AsSpan(at, Math.Min(block, x.Length - at)), output);
                got.AddRange(output.AsSpan(0, n).ToArray());
            }
            int tail = r.Flush(output.AsSpan(0, r.MaxFlushLength));
            got.AddRange(output.AsSpan(0, tail).ToArray());
            Assert.True(expected.AsSpan().SequenceEqual(got.ToArray()), $"block {block}: {got.Count} samples differ from the one-shot {expected.Length}");
        }
    }

    [Fact]
    public void CausalFlushEmitsTheDelayedTail()
    {
        var r = new Resampler(16000, 48000);
        var x = new float[1000];
        x[^1] = 1; // last input sample: its filter response is still to come
        var y = new float[r.MaxOutputLength(x.Length) + r.MaxFlushLength];
        int n = r.Process(x, y);
        n += r.Flush(y.AsSpan(n));
        Assert.Equal(3000 + (int)r.DelayOutputSamples, n);
        int peak = Array.IndexOf(y, y.AsSpan(0, n).ToArray().Max());
        Assert.Equal(3 * 999 + (int)r.DelayOutputSamples, peak);
    }

    [Fact]
    public void ResetStartsANewStream()
    {
        var r = new Resampler(44100, 16000);
        var x = Sine(3000, 440, 44100);
        var a = new float[r.MaxOutputLength(x.Length)];
        var b = new float[a.Length];
        int na = r.Process(x, a);
        r.Reset();
        int nb = r.Process(x, b);
        Assert.Equal(na, nb);
        Assert.Equal(a, b);
    }

    [Theory]
    [InlineData(48000, 16000, 3000), InlineData(16000, 48000, 1000), InlineData(44100, 16000, 4410), InlineData(16000, 44100, 1600), InlineData(8000, 11025, 640)]
    public void AlignedImpulseIsNotShifted(int from, int to, int at)
    {
        var x = new float[from / 2];
        x[at] = 1;
        var y = Resampler.ResampleAligned(x, from, to);
        int expectedPeak = (int)((long)at * to / from);
        Assert.Equal(0, (long)at * to % from); // the test places the impulse on a common sample instant
        int peak = Array.IndexOf(y, y.Max());
        Assert.Equal(expectedPeak, peak);
        for (int j = 1; j < 50; j++)
            Assert.True(Math.Abs(y[peak + j] - y[peak - j]) <= 1e-6, $"asymmetric at ±{j}: {y[peak + j]} vs {y[peak - j]}");
    }

    [Fact]
    public void StreamDelayIsReportedExactly()
    {
        var r = new Resampler(16000, 48000);
        Assert.Equal(3 * r.DelayInputSamples, r.DelayOutputSamples);
        var x = new float[2000];
        x[0] = 1;
        var y = new float[r.MaxOutputLength(x.Length)];
        int n = r.Process(x, y);
        int peak = Array.IndexOf(y, y.AsSpan(0, n).ToArray().Max());
        Assert.Equal((int)r.DelayOutputSamples, peak);
    }

    [Fact]
    public void EqualRatesAreIdentity()
    {
        var x = Sine(1000, 1234, 16000);
        var r = new Resampler(16000, 16000);
        Assert.True(r.IsIdentity);
        Assert.Equal(0, r.DelayInputSamples);
        var y = new float[x.Length];
        Assert.Equal(x.Length, r.Process(x, y));
        Assert.Equal(x, y);
        Assert.Equal(x, Resampler.ResampleAligned(x, 16000, 16000));
    }

    [Fact]
    public void RatioIsReducedToLowestTerms()
    {
        var r = new Resampler(44100, 16000);
        Assert.Equal(160, r.UpFactor);
        Assert.Equal(441, r.DownFactor);
        var s = new Resampler(48000, 16000);
        Assert.Equal(1, s.UpFactor);
        Assert.Equal(3, s.DownFactor);
    }

    [Fact]
    public void TooSmallOutputBufferIsRejected()
    {
        var r = new Resampler(16000, 48000);
        Assert.Throws<ArgumentException>(() => r.Process(new float[100], new float[250]));
    }
}
