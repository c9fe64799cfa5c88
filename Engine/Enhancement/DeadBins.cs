using System.Numerics.Tensors;

namespace RealtimeDenoise.Enhancement;

/// <summary>
/// Frequency bins that carry no signal: the band above a resampler's cut-off (live audio at 44.1/48 kHz brought to
/// 16 kHz is empty above ~7.2 kHz) or outside a telephone band. Both enhancers leave them out of the likelihood and
/// the updates; otherwise the speech model, which predicts energy there, drives the speech gain to g ≈ 0 and the
/// mask falls to its floor everywhere. Weights are 1 for live bins, 0 for dead ones.
/// </summary>
internal static class DeadBins
{
    /// <summary>A bin is dead when its long-term power lies this far below the mean over bins (−30 dB).</summary>
    public const float Ratio = 1e-3f;

    /// <summary>
    /// Level given to dead bins in the encoder's input, relative to the mean power of the live ones (−40 dB, a
    /// low but speech-like level): the encoder was trained on full-band speech, and near-zero power there lies
    /// tens of standard deviations outside its input distribution, which throws its latent estimate off.
    /// </summary>
    public const float EncoderLevel = 1e-4f;

    /// <summary>Sets <paramref name="weight"/> to 0 where <paramref name="longTerm"/> power is dead, 1 elsewhere.</summary>
    public static void Find(ReadOnlySpan<float> longTerm, Span<float> weight)
    {
        float threshold = Ratio * TensorPrimitives.Sum(longTerm) / longTerm.Length;
        for (int f = 0; f < longTerm.Length; f++) weight[f] = longTerm[f] >= threshold ? 1f : 0f;
    }

    /// <summary>Raises dead bins of an encoder input frame to <see cref="EncoderLevel"/> times the mean live-bin power.</summary>
    public static void FillForEncoder(Span<float> power, ReadOnlySpan<float> weight)
    {
        float live = TensorPrimitives.Sum(weight);
        if (live >= power.Length) return;
        float level = EncoderLevel * TensorPrimitives.Dot(power, weight) / MathF.Max(live, 1f);
        for (int f = 0; f < power.Length; f++)
            if (weight[f] == 0f) power[f] = MathF.Max(power[f], level);
    }
}
