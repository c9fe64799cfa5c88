using RealtimeDenoise.Audio;

namespace RealtimeDenoise.Engine.Tests.Audio;

public class ChannelMixerTests
{
    [Fact]
    public void DeinterleaveThenInterleaveRestoresFrames()
    {
        float[] interleaved = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
        var channels = ChannelMixer.Deinterleave(interleaved, 3);
        Assert.Equal([1f, 4, 7, 10], channels[0]);
        Assert.Equal([2f, 5, 8, 11], channels[1]);
        Assert.Equal([3f, 6, 9, 12], channels[2]);
        Assert.Equal(interleaved, ChannelMixer.Interleave(channels));
    }

    [Fact]
    public void DownmixAveragesChannels()
    {
        float[] stereo = [1, 0, 0.5f, -0.5f, -1, -0.5f];
        Assert.Equal([0.5f, 0f, -0.75f], ChannelMixer.DownmixToMono(stereo, 2));
        float[] six = [6, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1];
        Assert.Equal([1f, 1f], ChannelMixer.DownmixToMono(six, 6));
        Assert.Equal([0.25f, -0.5f], ChannelMixer.DownmixToMono([0.25f, -0.5f], 1));
    }

    [Fact]
    public void UpmixCopiesMonoToEveryChannel()
    {
        Assert.Equal([0.5f, 0.5f, 0.5f, -1f, -1f, -1f], ChannelMixer.UpmixMono([0.5f, -1f], 3));
        // Upmix then downmix is the identity.
        float[] mono = [0.1f, 0.2f, -0.3f];
        Assert.Equal(mono, ChannelMixer.DownmixToMono(ChannelMixer.UpmixMono(mono, 4), 4));
    }

    [Fact]
    public void ExtractChannelPicksOneChannel()
    {
        var dest = new float[2];
        ChannelMixer.ExtractChannel([1, 2, 3, 4, 5, 6], 3, 2, dest);
        Assert.Equal([3f, 6f], dest);
    }

    [Fact]
    public void BadShapesAreRejected()
    {
        Assert.Throws<ArgumentException>(() => ChannelMixer.DownmixToMono(new float[5], 2));
        Assert.Throws<ArgumentException>(() => ChannelMixer.Interleave(new[] { new float[3], new float[2] }));
        Assert.Throws<ArgumentException>(() => ChannelMixer.DownmixToMono(new float[4], 2, new float[1]));
        Assert.Throws<ArgumentOutOfRangeException>(() => ChannelMixer.ExtractChannel(new float[4], 2, 2, new float[2]));
        Assert.Throws<ArgumentOutOfRangeException>(() => ChannelMixer.UpmixMono(new float[4], 0));
    }
}
