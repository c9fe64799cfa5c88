using RealtimeDenoise.Dsp;
using RealtimeDenoise.Enhancement;
using static RealtimeDenoise.Engine.Tests.Enhancement.TestSignals;

namespace RealtimeDenoise.Engine.Tests.Enhancement;

public class TransientSuppressorTests
{
    private static readonly StftConfig Config = new(512, 128, SampleRate);

    private static float[] Power(float[] x) => new Stft(Config).Analyze(x).Power();

    private static float[] Gain(float[] power, float limitDb)
    {
        int frames = power.Length / Config.Bins;
        var gain = new float[power.Length];
        new TransientSuppressor(Config, limitDb).ComputeGain(power, frames, gain);
        return gain;
    }

    /// <summary>The definition written out plainly: band mean, median over ±4 frames (ends repeated), gain limit·median/power above the limit.</summary>
    private static float[] NaiveGain(float[] power, int frames, int bins, int halfBand, int halfWindow, float limitDb)
    {
        double limit = Math.Pow(10, limitDb / 10);
        var band = new double[frames, bins];
        for (int n = 0; n < frames; n++)
            for (int f = 0; f < bins; f++)
            {
                var around = Enumerable.Range(f - halfBand, 2 * halfBand + 1).Where(k => k >= 0 && k < bins).ToArray();
                band[n, f] = around.Average(k => (double)power[n * bins + k]);
            }
        var gain = new float[frames * bins];
        for (int n = 0; n < frames; n++)
            for (int f = 0; f < bins; f++)
            {
                double median = Enumerable.Range(n - halfWindow, 2 * halfWindow + 1)
                    .Select(j => band[Math.Clamp(j, 0, frames - 1), f]).OrderBy(v => v).ElementAt(halfWindow);
                double allowed = limit * median;
                gain[n * bins + f] = band[n, f] > allowed ? (float)(allowed / band[n, f]) : 1f;
            }
        return gain;
    }

    [Fact]
    public void MatchesThePlainDefinition_OnRandomSpectra()
    {
        // Exponential power (a noise periodogram) with random frame levels over 40 dB: many frames stand out.
        var rng = new Random(7);
        int frames = 60, bins = Config.Bins;
        var power = new float[frames * bins];
        for (int n = 0; n < frames; n++)
        {
            double level = Math.Pow(10, 4 * rng.NextDouble());
            for (int f = 0; f < bins; f++) power[n * bins + f] = (float)(-level * Math.Log(1 - rng.NextDouble()));
        }
        int halfBand = (int)Math.Round(TransientSuppressor.BandHz * Config.FftSize / Config.SampleRate);
        int halfWindow = (int)Math.Round(TransientSuppressor.WindowSeconds * Config.SampleRate / Config.HopSize);
        Assert.Equal((8, 4), (halfBand, halfWindow));

        var gain = Gain(power, 8f);
        var reference = NaiveGain(power, frames, bins, halfBand, halfWindow, 8f);
        Assert.Contains(reference, g => g < 0.5f); // the case is not trivial
        for (int i = 0; i < gain.Length; i++) Assert.True(Math.Abs(gain[i] - reference[i]) <= 1e-5f * reference[i] + 1e-7f, $"value {i}: {gain[i]} vs {reference[i]}");
    }

    [Fact]
    public void OnlineForm_MatchesTheWholeBuffer_UpToTheLastHalfWindow()
    {
        var x = Add(VoicedBursts(2 * SampleRate, 0.3f, seed: 8), Add(WhiteNoise(2 * SampleRate, 0.005f, seed: 9), Clicks(2 * SampleRate, 2000, 0.4f, seed: 10)));
        var power = Power(x);
        int bins = Config.Bins, frames = power.Length / bins;
        var whole = Gain(power, 8f);
        var suppressor = new TransientSuppressor(Config, 8f);
        int h = suppressor.HalfWindowFrames;
        var online = new float[bins];
        for (int round = 0; round < 2; round++) // the second round after Reset must repeat the first
        {
            suppressor.Reset();
            for (int t = 0; t < frames; t++)
            {
                suppressor.Push(power.AsSpan(t * bins, bins), online);
                if (t < h) { Assert.All(online, g => Assert.Equal(1f, g)); continue; }
                Assert.Equal(whole.AsSpan((t - h) * bins, bins).ToArray(), online);
            }
        }
        Assert.Contains(whole, g => g < 0.5f);
    }

    [Fact]
    public void ClicksInSteadyNoise_AreAttenuated_AndTheNoiseBetweenThemIsNot()
    {
        int samples = 3 * SampleRate, period = SampleRate / 4;
        var noise = WhiteNoise(samples, 0.002f, seed: 1);
        var clicks = Clicks(samples, period, 0.5f, seed: 2);
        var power = Power(Add(noise, clicks));
        var gain = Gain(power, 8f);

        int frames = power.Length / Config.Bins, bins = Config.Bins;
        var clickPower = Power(clicks);
        double clickIn = 0, clickOut = 0;
        int untouchedQuietFrames = 0, quietFrames = 0;
        for (int n = 0; n < frames; n++)
        {
            double frameClick = 0;
            for (int f = 0; f < bins; f++) frameClick += clickPower[n * bins + f];
            bool quiet = frameClick == 0; // the analysis window holds no click sample
            if (quiet) quietFrames++;
            if (quiet && gain.AsSpan(n * bins, bins).ToArray().All(g => g == 1f)) untouchedQuietFrames++;
            for (int f = 0; f < bins; f++)
            {
                clickIn += clickPower[n * bins + f];
                clickOut += clickPower[n * bins + f] * gain[n * bins + f] * gain[n * bins + f];
            }
        }
        double attenuationDb = 10 * Math.Log10(clickIn / clickOut);
        // Measured: 24.1 dB (the clicks stand about 30 dB above the noise; the limit is 8 dB).
        Assert.True(attenuationDb > 15, $"clicks attenuated by only {attenuationDb:F1} dB");
        Assert.True(quietFrames > frames / 3, $"only {quietFrames} of {frames} frames without a click");
        Assert.Equal(quietFrames, untouchedQuietFrames);
    }

    [Fact]
    public void SustainedSound_KeepsUnitGain()
    {
        // Harmonic bursts 300 ms on, 200 ms off over steady noise: onsets and offsets, but nothing shorter than the window.
        var x = Add(VoicedBursts(3 * SampleRate, 0.5f, seed: 3), WhiteNoise(3 * SampleRate, 0.003f, seed: 4));
        var gain = Gain(Power(x), 8f);
        Assert.All(gain, g => Assert.Equal(1f, g));
    }

    [Fact]
    public void DigitalSilence_KeepsTheMaskAndStaysFinite()
    {
        var x = new float[SampleRate];
        Clicks(SampleRate, SampleRate / 2, 0.5f, seed: 5).CopyTo(x, 0);
        Array.Clear(x, SampleRate / 4 + 100, SampleRate / 2); // a stretch of exact zeros after the first click
        var gain = Gain(Power(x), 8f);
        Assert.All(gain, g => Assert.True(float.IsFinite(g) && g >= 0 && g <= 1));
    }

    [Theory]
    [InlineData(-1f), InlineData(float.NaN), InlineData(float.PositiveInfinity)]
    public void InvalidLimit_IsRejected(float limitDb)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new TransientSuppressor(Config, limitDb));
        Assert.Throws<ArgumentOutOfRangeException>(() => new OfflineEnhancer(new SpectralShapeModel(), new OfflineOptions { TransientLimitDb = limitDb }));
    }
}
