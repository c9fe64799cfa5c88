namespace RealtimeDenoise.Host.Audio;

/// <summary>Last line of defence before samples reach a device or a file: NaN/Inf become 0, the rest is clipped to ±1.</summary>
public static class SampleGuard
{
    /// <returns>the number of non-finite samples that were replaced</returns>
    public static int Sanitize(Span<float> samples)
    {
        int bad = 0;
        for (int i = 0; i < samples.Length; i++)
        {
            float v = samples[i];
            if (!float.IsFinite(v)) { samples[i] = 0; bad++; }
            else if (v > 1f) samples[i] = 1f;
            else if (v < -1f) samples[i] = -1f;
        }
        return bad;
    }
}
