using RealtimeDenoise.Metrics;

namespace RealtimeDenoise.Engine.Tests.Metrics;

public class StoiTests
{
    private const int Rate = 16000;
    private static readonly float[] Speech = SpeechLikeSignal.Create(3.0, Rate);

    [Fact]
    public void IdenticalSignalsScoreOne()
    {
        Assert.Equal(1.0, Stoi.Compute(Speech, Speech, Rate), 6);
    }

    [Fact]
    public void IsInvariantToOverallGainOfTheProcessedSignal()
    {
        float[] noisy = SpeechLikeSignal.Add(Speech, SpeechLikeSignal.WhiteNoiseAt(Speech, 0, seed: 1));
        float[] quieter = noisy.Select(v => v * 0.1f).ToArray();
        Assert.Equal(Stoi.Compute(Speech, noisy, Rate), Stoi.Compute(Speech, quieter, Rate), 6);
    }

    [Fact]
    public void DecreasesMonotonicallyAsNoiseIsAdded()
    {
        double previous = Stoi.Compute(Speech, Speech, Rate);
        foreach (double snr in new[] { 20.0, 10.0, 5.0, 0.0, -5.0, -10.0, -20.0 })
        {
            float[] noisy = SpeechLikeSignal.Add(Speech, SpeechLikeSignal.WhiteNoiseAt(Speech, snr, seed: 2));
            double value = Stoi.Compute(Speech, noisy, Rate);
            Assert.InRange(value, -1.0, 1.0);
            Assert.True(value < previous, $"STOI at {snr} dB SNR ({value:F4}) should be below the value at the previous, higher SNR ({previous:F4}).");
            previous = value;
        }
    }

    [Fact]
    public void StaysWithinMinusOneToOneForUnrelatedInputs()
    {
        float[] other = SpeechLikeSignal.Create(3.0, Rate, seed: 99);
        float[] reversed = Speech.Reverse().ToArray();
        float[] louder = SpeechLikeSignal.Add(other, SpeechLikeSignal.WhiteNoiseAt(other, -10, seed: 5));
        float[] noise = SpeechLikeSignal.WhiteNoiseAt(Speech, 0, seed: 3);
        // Not near 0: the −15 dB clipping makes any envelope partly follow the clean one (noise alone scores ≈0.4 here).
        foreach (var processed in new[] { other, reversed, louder, noise })
            Assert.InRange(Stoi.Compute(Speech, processed, Rate), -1.0, 1.0);
    }

    [Fact]
    public void SilentTailIsRemovedBeforeScoring()
    {
        // 40 dB silent-frame removal: appending silence to both signals must not change the score much.
        float[] noisy = SpeechLikeSignal.Add(Speech, SpeechLikeSignal.WhiteNoiseAt(Speech, 5, seed: 4));
        double plain = Stoi.Compute(Speech, noisy, Rate);
        float[] cleanPadded = [.. Speech, .. new float[Rate]];
        float[] noisyPadded = [.. noisy, .. new float[Rate]];
        Assert.Equal(plain, Stoi.Compute(cleanPadded, noisyPadded, Rate), 2);
    }

    [Fact]
    public void AcceptsTenKilohertzInputWithoutResampling()
    {
        float[] speech10k = SpeechLikeSignal.Create(3.0, Stoi.SampleRate);
        Assert.Equal(1.0, Stoi.Compute(speech10k, speech10k, Stoi.SampleRate), 6);
    }

    [Fact]
    public void RejectsTooShortOrSilentSignalsAndMismatchedLengths()
    {
        float[] short0 = Speech[..(Rate / 4)]; // 250 ms < 30 frames of 12.8 ms
        Assert.Throws<ArgumentException>(() => Stoi.Compute(short0, short0, Rate));
        Assert.Throws<ArgumentException>(() => Stoi.Compute(new float[Rate], new float[Rate], Rate));
        Assert.Throws<ArgumentException>(() => Stoi.Compute(Speech, Speech[1..], Rate));
    }
}
