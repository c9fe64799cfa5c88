namespace RealtimeDenoise.Dsp;

/// <summary>
/// The analysis and synthesis windows shared by <see cref="Stft"/> and <see cref="StreamingStft"/>, so both
/// compute bit-identical frames and overlap-add sums.
/// </summary>
internal static class StftWindows
{
    /// <summary>Periodic sqrt-Hann analysis window.</summary>
    public static float[] Analysis(int fftSize) => Window.SqrtHann(fftSize);

    /// <summary>Periodic sqrt-Hann divided by the overlap gain, so overlap-add needs no separate scaling.</summary>
    public static float[] Synthesis(int fftSize, int hop)
    {
        var w = Window.SqrtHann(fftSize);
        float scale = 1f / Window.OverlapGain(w, w, hop);
        for (int i = 0; i < w.Length; i++) w[i] *= scale;
        return w;
    }
}
