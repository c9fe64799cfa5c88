using RealtimeDenoise.Dsp;
using RealtimeDenoise.Enhancement;
using RealtimeDenoise.Training.Nn;

namespace RealtimeDenoise.Training.Data;

/// <summary>Paired power frames: what the encoder hears (<see cref="Noisy"/>) and the clean speech behind it (<see cref="Clean"/>), row for row.</summary>
public sealed record NoisyCleanFrames(FrameSet Noisy, FrameSet Clean);

/// <summary>
/// Mixes clean utterances with randomly chosen stretches of recorded noise at random SNRs, the way the enhancer
/// will meet them: the mixture is brought to the model's training level exactly as
/// <see cref="SpeechLevel"/> does at run time (both signals get the mixture's gain), then both go through the STFT.
/// SNR is the clean utterance's active level (<see cref="SpeechLevel.ActiveLevelDbfs"/>) over the noise stretch's RMS.
/// A fraction of the utterances stays clean, so the encoder keeps describing clean speech well.
/// Frames are kept by the silence rule applied to the clean frames.
/// </summary>
public sealed class NoiseMixer
{
    private readonly Stft _stft;
    private readonly SilenceRule _silence;

    public NoiseMixer(StftConfig stft, SilenceRule silence, double trainingLevelDbfs, double snrMinDb, double snrMaxDb, double cleanFraction)
    {
        stft.Validate();
        if (!(snrMinDb <= snrMaxDb)) throw new ArgumentException($"SNR range [{snrMinDb}, {snrMaxDb}] dB is empty.");
        if (cleanFraction is < 0 or > 1) throw new ArgumentOutOfRangeException(nameof(cleanFraction), cleanFraction, "Clean fraction must be in [0, 1].");
        _stft = new Stft(stft);
        _silence = silence;
        TrainingLevelDbfs = trainingLevelDbfs;
        SnrMinDb = snrMinDb;
        SnrMaxDb = snrMaxDb;
        CleanFraction = cleanFraction;
    }

    public double TrainingLevelDbfs { get; }
    public double SnrMinDb { get; }
    public double SnrMaxDb { get; }
    public double CleanFraction { get; }

    /// <summary>One mixture per utterance; <paramref name="random"/> decides noise, offset, SNR and clean/noisy.</summary>
    internal NoisyCleanFrames Mix(IReadOnlyList<float[]> speech, IReadOnlyList<float[]> noises, TrainingRandom random, IReadOnlyList<string>? files = null)
    {
        if (noises.Count == 0 || noises.Any(n => n.Length == 0)) throw new ArgumentException("Noise recordings must be non-empty.", nameof(noises));
        int bins = _stft.Config.Bins;
        var noisyRows = new List<float[]>(speech.Count);
        var cleanRows = new List<float[]>(speech.Count);
        long frames = 0;
        foreach (var clean in speech)
        {
            bool keepClean = random.NextDouble() < CleanFraction;
            var noise = noises[random.NextInt(noises.Count)];
            int offset = random.NextInt(noise.Length);
            double snr = SnrMinDb + (SnrMaxDb - SnrMinDb) * random.NextDouble();
            var (noisyPower, cleanPower) = MixOne(clean, keepClean ? null : noise, offset, snr);
            int n = cleanPower.Length / bins;
            var keep = _silence.Keep(cleanPower, n, bins);
            var noisyKept = new float[keep.Length * bins];
            var cleanKept = new float[keep.Length * bins];
            for (int i = 0; i < keep.Length; i++)
            {
                noisyPower.AsSpan(keep[i] * bins, bins).CopyTo(noisyKept.AsSpan(i * bins));
                cleanPower.AsSpan(keep[i] * bins, bins).CopyTo(cleanKept.AsSpan(i * bins));
            }
            noisyRows.Add(noisyKept);
            cleanRows.Add(cleanKept);
            frames += keep.Length;
        }
        var names = files ?? [];
        return new NoisyCleanFrames(new FrameSet(bins, Concat(noisyRows, frames * bins), names), new FrameSet(bins, Concat(cleanRows, frames * bins), names));
    }

    /// <summary>Noisy and clean power spectrograms of one mixture (see <see cref="MixSignals"/>).</summary>
    public (float[] Noisy, float[] Clean) MixOne(ReadOnlySpan<float> clean, float[]? noise, int offset, double snrDb)
    {
        var (mixture, scaledClean) = MixSignals(clean, noise, offset, snrDb);
        return (_stft.Analyze(mixture).Power(), _stft.Analyze(scaledClean).Power());
    }

    /// <summary>
    /// One mixture in the time domain: <paramref name="noise"/> (null: none) is read from <paramref name="offset"/>
    /// on, wrapping around, scaled to <paramref name="snrDb"/> below the speech's active level and added; then the
    /// mixture and the clean speech both get the gain that brings the mixture's active level to the training level.
    /// </summary>
    public (float[] Mixture, float[] Clean) MixSignals(ReadOnlySpan<float> clean, float[]? noise, int offset, double snrDb)
    {
        var mixture = clean.ToArray();
        if (noise is { Length: > 0 })
        {
            double speechPower = Math.Pow(10, SpeechLevel.ActiveLevelDbfs(clean) / 10), noisePower = 0;
            for (int i = 0; i < mixture.Length; i++)
            {
                double v = noise[(offset + i) % noise.Length];
                noisePower += v * v;
            }
            noisePower /= Math.Max(1, mixture.Length);
            float gain = noisePower > 0 && speechPower > 0 ? (float)Math.Sqrt(speechPower / noisePower * Math.Pow(10, -snrDb / 10)) : 0f;
            for (int i = 0; i < mixture.Length; i++) mixture[i] += gain * noise[(offset + i) % noise.Length];
        }
        float scale = MathF.Sqrt(SpeechLevel.PowerScale(SpeechLevel.ActiveLevelDbfs(mixture), TrainingLevelDbfs));
        var scaledClean = clean.ToArray();
        for (int i = 0; i < mixture.Length; i++)
        {
            mixture[i] *= scale;
            scaledClean[i] *= scale;
        }
        return (mixture, scaledClean);
    }

    private static float[] Concat(List<float[]> rows, long total)
    {
        var all = new float[total];
        long at = 0;
        foreach (var r in rows)
        {
            r.CopyTo(all, at);
            at += r.Length;
        }
        return all;
    }
}
