using RealtimeDenoise.Dsp;

namespace RealtimeDenoise.Enhancement;

/// <summary>
/// What the offline enhancer computed for one segment before the mask was applied, frame-major [Frames, Bins]: the
/// inputs of the <see cref="MaskRefiner"/>, and what its trainer records. The arrays belong to the enhancer: read them
/// during the call that hands them out, do not keep or change them.
/// </summary>
/// <param name="Spectrum">The noisy segment's STFT.</param>
/// <param name="Power">|X|².</param>
/// <param name="EmMask">The Monte-Carlo EM's Wiener mask, before the blend.</param>
/// <param name="ForwardMask">The forward streaming pass's mask.</param>
/// <param name="PassesMask">Both passes' mask, √(m_fwd·m_bwd).</param>
/// <param name="PassesNoise">The passes' noise power √(v_fwd·v_bwd), before the transient suppressor's share is added.</param>
/// <param name="TransientGain">The <see cref="TransientSuppressor"/>'s gain.</param>
/// <param name="FinalMask">The mask the enhancer would apply: blended, given the harmonics, sharpened, times the transient gain, floored.</param>
public sealed record OfflineMaskStages(
    Spectrogram Spectrum, float[] Power, float[] EmMask, float[] ForwardMask, float[] PassesMask, float[] PassesNoise,
    float[] TransientGain, float[] FinalMask)
{
    public int Frames => Spectrum.Frames;
    public int Bins => Spectrum.Bins;
}
