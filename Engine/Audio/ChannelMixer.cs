namespace RealtimeDenoise.Audio;

/// <summary>
/// Channel layout helpers: interleave/deinterleave, downmix to mono (channel average) and
/// upmix mono to N identical channels. The span overloads allocate nothing.
/// </summary>
public static class ChannelMixer
{
    /// <summary>Splits interleaved frames into one array per channel.</summary>
    public static float[][] Deinterleave(ReadOnlySpan<float> interleaved, int channels)
    {
        int frames = FrameCount(interleaved.Length, channels);
        var result = new float[channels][];
        for (int c = 0; c < channels; c++)
        {
            result[c] = new float[frames];
            ExtractChannel(interleaved, channels, c, result[c]);
        }
        return result;
    }

    /// <summary>Copies channel <paramref name="channel"/> of interleaved frames into <paramref name="destination"/>.</summary>
    public static void ExtractChannel(ReadOnlySpan<float> interleaved, int channels, int channel, Span<float> destination)
    {
        int frames = FrameCount(interleaved.Length, channels);
        ArgumentOutOfRangeException.ThrowIfNegative(channel);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(channel, channels);
        RequireLength(destination.Length, frames, nameof(destination));
        for (int i = 0, j = channel; i < frames; i++, j += channels) destination[i] = interleaved[j];
    }

    /// <summary>Interleaves equal-length channel arrays into frames.</summary>
    public static float[] Interleave(IReadOnlyList<float[]> channels)
    {
        ArgumentNullException.ThrowIfNull(channels);
        if (channels.Count == 0) throw new ArgumentException("no channels", nameof(channels));
        var result = new float[channels[0].Length * channels.Count];
        Interleave(channels, result);
        return result;
    }

    /// <summary>Interleaves equal-length channel arrays into <paramref name="destination"/> (frames × channels long).</summary>
    public static void Interleave(IReadOnlyList<float[]> channels, Span<float> destination)
    {
        ArgumentNullException.ThrowIfNull(channels);
        int n = channels.Count;
        if (n == 0) throw new ArgumentException("no channels", nameof(channels));
        int frames = channels[0].Length;
        for (int c = 1; c < n; c++)
            if (channels[c].Length != frames)
                throw new ArgumentException($"channel {c} has {channels[c].Length} samples, channel 0 has {frames}", nameof(channels));
        RequireLength(destination.Length, frames * n, nameof(destination));
        for (int c = 0; c < n; c++)
        {
            float[] src = channels[c];
            for (int i = 0, j = c; i < frames; i++, j += n) destination[j] = src[i];
        }
    }

    /// <summary>Average of the channels of each frame.</summary>
    public static float[] DownmixToMono(ReadOnlySpan<float> interleaved, int channels)
    {
        var mono = new float[FrameCount(interleaved.Length, channels)];
        DownmixToMono(interleaved, channels, mono);
        return mono;
    }

    /// <summary>Average of the channels of each frame into <paramref name="mono"/> (one value per frame).</summary>
    public static void DownmixToMono(ReadOnlySpan<float> interleaved, int channels, Span<float> mono)
    {
        int frames = FrameCount(interleaved.Length, channels);
        RequireLength(mono.Length, frames, nameof(mono));
        if (channels == 1)
        {
            interleaved.CopyTo(mono);
            return;
        }
        float scale = 1f / channels;
        for (int i = 0, j = 0; i < frames; i++)
        {
            float sum = 0;
            for (int c = 0; c < channels; c++) sum += interleaved[j++];
            mono[i] = sum * scale;
        }
    }

    /// <summary>Copies each mono sample to all <paramref name="channels"/> channels of a frame.</summary>
    public static float[] UpmixMono(ReadOnlySpan<float> mono, int channels)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(channels, 1);
        var result = new float[mono.Length * channels];
        UpmixMono(mono, channels, result);
        return result;
    }

    /// <summary>Copies each mono sample to all channels of a frame in <paramref name="interleaved"/>.</summary>
    public static void UpmixMono(ReadOnlySpan<float> mono, int channels, Span<float> interleaved)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(channels, 1);
        RequireLength(interleaved.Length, mono.Length * channels, nameof(interleaved));
        for (int i = 0, j = 0; i < mono.Length; i++)
        {
            float v = mono[i];
            for (int c = 0; c < channels; c++) interleaved[j++] = v;
        }
    }

    private static int FrameCount(int samples, int channels)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(channels, 1);
        if (samples % channels != 0)
            throw new ArgumentException($"{samples} samples is not a whole number of {channels}-channel frames");
        return samples / channels;
    }

    private static void RequireLength(int actual, int needed, string name)
    {
        if (actual < needed) throw new ArgumentException($"buffer holds {actual} samples, {needed} needed", name);
    }
}
