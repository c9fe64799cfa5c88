namespace RealtimeDenoise.Audio;

/// <summary>A short piece of audio held in memory: one float array per channel (all the same length).</summary>
public sealed record AudioClip(float[][] Channels, int SampleRate, IReadOnlyList<string> Warnings)
{
    public int ChannelCount => Channels.Length;

    public int Frames => Channels.Length == 0 ? 0 : Channels[0].Length;

    public TimeSpan Duration => TimeSpan.FromSeconds((double)Frames / SampleRate);

    /// <summary>The channel average (the first channel itself when mono).</summary>
    public float[] ToMono() => Channels.Length == 1 ? Channels[0] : ChannelMixer.DownmixToMono(ChannelMixer.Interleave(Channels), Channels.Length);
}
