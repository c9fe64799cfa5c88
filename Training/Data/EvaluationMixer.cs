using RealtimeDenoise.Training.Nn;

namespace RealtimeDenoise.Training.Data;

/// <summary>
/// Noisy/clean pairs made the way shared/data's dev-test and hidden set are (their README, "Mixing"): the SNR is the
/// whole utterance's energy over the noise stretch's, the stretch starts at a random offset and is drawn again (up to
/// 20 times) while its energy is below a quarter of the recording's mean, so intermittent noises are heard; where the
/// mixture's peak passes 0.9 the clean speech and the mixture are scaled down together. Unlike <see cref="NoiseMixer"/>,
/// nothing is brought to the model's level: the enhancer does that itself, as for a user's file.
/// </summary>
public static class EvaluationMixer
{
    public const float PeakLimit = 0.9f;

    /// <summary>Mixes <paramref name="speech"/> with a stretch of <paramref name="noise"/> (wrapping around) at <paramref name="snrDb"/>.</summary>
    internal static (float[] Noisy, float[] Clean) Mix(ReadOnlySpan<float> speech, float[] noise, double snrDb, TrainingRandom random)
    {
        if (noise.Length == 0) throw new ArgumentException("The noise recording is empty.", nameof(noise));
        int n = speech.Length;
        double noiseMean = 0;
        foreach (var v in noise) noiseMean += (double)v * v;
        noiseMean /= noise.Length;
        var stretch = new float[n];
        double stretchEnergy = 0;
        for (int attempt = 0; attempt < 20; attempt++)
        {
            int offset = random.NextInt(Math.Max(1, noise.Length - n));
            stretchEnergy = 0;
            for (int i = 0; i < n; i++)
            {
                float v = noise[(offset + i) % noise.Length];
                stretch[i] = v;
                stretchEnergy += (double)v * v;
            }
            if (stretchEnergy >= 0.25 * noiseMean * n) break;
        }
        double speechEnergy = 0;
        foreach (var v in speech) speechEnergy += (double)v * v;
        float gain = stretchEnergy > 0 ? (float)Math.Sqrt(speechEnergy / (stretchEnergy * Math.Pow(10, snrDb / 10))) : 0f;
        var noisy = new float[n];
        var clean = speech.ToArray();
        float peak = 0;
        for (int i = 0; i < n; i++)
        {
            noisy[i] = clean[i] + gain * stretch[i];
            peak = Math.Max(peak, Math.Abs(noisy[i]));
        }
        if (peak > PeakLimit)
        {
            float scale = PeakLimit / peak;
            for (int i = 0; i < n; i++)
            {
                noisy[i] *= scale;
                clean[i] *= scale;
            }
        }
        return (noisy, clean);
    }
}
