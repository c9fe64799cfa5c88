using RealtimeDenoise.Dsp;
using RealtimeDenoise.Enhancement;
using RealtimeDenoise.Models;
using static RealtimeDenoise.Engine.Tests.Enhancement.TestSignals;

namespace RealtimeDenoise.Engine.Tests.Enhancement;

public class SpeechEqualizerTests
{
    private const int Bins = 64;
    private const float Floor = 1e-12f;

    /// <summary>
    /// A colouring in dB per bin, a 3 dB dip around bin 40 and a ripple, shifted to a mean of 0 dB over the live bins of
    /// <paramref name="weight"/>: the equaliser's normalisation (here no gain g takes up a change of level, as the EM's do).
    /// </summary>
    private static float[] ColouringDb(float[] weight)
    {
        var db = new float[Bins];
        for (int f = 0; f < Bins; f++) db[f] = -3f * MathF.Exp(-MathF.Pow((f - 40) / 6f, 2)) + 0.2f * MathF.Sin(f);
        float mean = Enumerable.Range(0, Bins).Where(f => weight[f] > 0).Average(f => db[f]);
        return db.Select(d => d - mean).ToArray();
    }

    private static double Power(float db) => Math.Pow(10, db / 10);

    /// <summary>
    /// Runs M-steps on frames whose power is the expected power of coloured speech plus noise,
    /// p = gain_n·c·s_n + b, with the model's variances s_n equalised by the current gains.
    /// </summary>
    private static SpeechEqualizer Fit(float[] colouringDb, float[] noise, float[] weight, int steps, float cutDb = 5, float boostDb = 1)
    {
        var equalizer = new SpeechEqualizer(Bins, cutDb, boostDb);
        var rng = new Random(3);
        var speech = Enumerable.Range(0, 6).Select(_ => Enumerable.Range(0, Bins).Select(_ => (float)(0.2 + rng.NextDouble())).ToArray()).ToArray();
        var gains = new[] { 0.5f, 1f, 2f, 1f, 0.7f, 1.5f };
        var equalised = new float[Bins];
        var power = new float[Bins];
        for (int step = 0; step < steps; step++)
        {
            equalizer.ClearStatistics();
            for (int n = 0; n < speech.Length; n++)
            {
                for (int f = 0; f < Bins; f++)
                {
                    power[f] = gains[n] * MathF.Pow(10, colouringDb[f] / 10) * speech[n][f] + noise[f];
                    equalised[f] = speech[n][f];
                }
                equalizer.Apply(equalised);
                equalizer.Accumulate(equalised, gains[n], noise, power, Floor);
            }
            equalizer.Update(weight);
        }
        return equalizer;
    }

    private static float[] Ones() => Enumerable.Repeat(1f, Bins).ToArray();

    [Fact]
    public void WithoutNoise_ItLearnsTheColouring()
    {
        var db = ColouringDb(Ones());
        var equalizer = Fit(db, new float[Bins], Ones(), steps: 40);
        for (int f = 0; f < Bins; f++) Assert.Equal(Power(db[f]), equalizer.Gains[f], 1e-4);
    }

    [Fact]
    public void UnderNoise_TheFixedPointIsStillTheColouring()
    {
        // Noise 10 dB above the speech in half of the bins: p/V → 1 only where e = c, so the bins converge more slowly but to the same place.
        var db = ColouringDb(Ones());
        var noise = Enumerable.Range(0, Bins).Select(f => f % 2 == 0 ? 10f : 0.01f).ToArray();
        var equalizer = Fit(db, noise, Ones(), steps: 2000);
        for (int f = 0; f < Bins; f++) Assert.Equal(Power(db[f]), equalizer.Gains[f], 1e-4);
    }

    [Fact]
    public void GainsStayWithinTheCutAndBoost()
    {
        var db = new float[Bins];
        db[3] = 20f;   // far above the boost
        db[40] = -30f; // far below the cut
        var equalizer = Fit(db, new float[Bins], Ones(), steps: 60, cutDb: 5, boostDb: 1);
        Assert.Equal(MathF.Pow(10, 0.1f), equalizer.Gains[3], 1e-5);
        Assert.Equal(MathF.Pow(10, -0.5f), equalizer.Gains[40], 1e-5);
        Assert.All(equalizer.Gains.ToArray(), e => Assert.InRange(e, MathF.Pow(10, -0.5f) * 0.99999f, MathF.Pow(10, 0.1f) * 1.00001f));
    }

    [Fact]
    public void DeadBins_AreLeftOutOfTheNormalisation()
    {
        var weight = Ones();
        weight[0] = weight[1] = 0; // e.g. a high-passed recording's lowest bins: whatever they learn must not move the others
        var db = ColouringDb(weight);
        db[0] = db[1] = -40f;
        var equalizer = Fit(db, new float[Bins], weight, steps: 40);
        for (int f = 2; f < Bins; f++) Assert.Equal(Power(db[f]), equalizer.Gains[f], 1e-4);
    }

    [Fact]
    public void Update_ReturnsTheFactorEachGainChangedBy()
    {
        var equalizer = new SpeechEqualizer(Bins, 5, 1);
        var speech = Ones();
        var power = ColouringDb(Ones()).Select(d => (float)Power(d)).ToArray();
        for (int step = 0; step < 3; step++)
        {
            var before = equalizer.Gains.ToArray();
            equalizer.ClearStatistics();
            equalizer.Accumulate(speech, 1f, new float[Bins], power, Floor);
            var change = equalizer.Update(Ones()).ToArray();
            for (int f = 0; f < Bins; f++) Assert.Equal(equalizer.Gains[f], before[f] * change[f], 1e-5);
        }
    }

    [Fact]
    public void InvalidRanges_AreRejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new SpeechEqualizer(Bins, -1, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SpeechEqualizer(Bins, 5, float.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => new OfflineEnhancer(new SpectralShapeModel(), new OfflineOptions { SpeechEqualizerBoostDb = float.PositiveInfinity }));
    }

    /// <summary>
    /// With the shipped model, on the repository's clean speech: a notch of 20 dB over 5 bins at 2 kHz (a hum filter, a
    /// codec's dead band) is finer than any spectral envelope the decoder draws, so the speech model keeps claiming power
    /// there; the EM's equaliser takes the notch's bins down (to its 5 dB cut) and leaves the rest of the spectrum alone.
    /// A broad colouring is not its business: a recording 4 dB duller above 3 kHz moved it by 0.1 dB, the latent took it.
    /// </summary>
    [Fact]
    public void TheEm_CutsWhatTheSpeechModelCannotDraw()
    {
        using var model = ModelPackage.Load((string?)null);
        var clean = ReadSample("sample_clean.wav");
        var spec = new Stft(new StftConfig(model.Card.FftSize, model.Card.HopSize, model.Card.SampleRate)).Analyze(clean);
        var power = spec.Power();
        int notch = (int)(2000f * model.Card.FftSize / model.Card.SampleRate) - 2;
        var notched = (float[])power.Clone();
        for (int i = 0; i < notched.Length; i++)
            if (i % spec.Bins - notch is >= 0 and < 5) notched[i] *= 0.01f;
        float scale = SpeechLevel.PowerScale(SpeechLevel.ActiveLevelDbfs(clean), model.Card.TrainingLevelDbfs);

        double[] GainsDb(float[] p)
        {
            var em = new MonteCarloEm(model, new OfflineOptions { MaxIterations = 15 }, seed: 5);
            em.Run(p, spec.Frames, scale, new float[p.Length], CancellationToken.None);
            return em.SpeechEqualizerGains.ToArray().Select(e => 10 * Math.Log10(e)).ToArray();
        }

        var plain = GainsDb(power);
        var withNotch = GainsDb(notched);
        double inNotch = Enumerable.Range(notch, 5).Average(f => withNotch[f] - plain[f]);
        double elsewhere = Enumerable.Range(8, spec.Bins - 16).Where(f => f < notch - 8 || f >= notch + 13).Average(f => Math.Abs(withNotch[f] - plain[f]));
        Assert.True(inNotch < -2.5, $"the notch's bins moved by {inNotch:F2} dB");
        Assert.True(elsewhere < 0.5, $"the other bins moved by {elsewhere:F2} dB on average");
    }
}
