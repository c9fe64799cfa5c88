namespace RealtimeDenoise.Audio;

/// <summary>
/// The layout of the samples in a WAV file: encoding, bit depth, channel count and sample rate.
/// Only layouts this library can read and write can be constructed.
/// </summary>
public sealed record WaveFormat
{
    /// <summary>Largest channel count accepted; more is taken as a corrupt header.</summary>
    public const int MaxChannels = 1024;

    /// <summary>Largest sample rate accepted (1 MHz); more is taken as a corrupt header.</summary>
    public const int MaxSampleRate = 1_000_000;

    public WaveFormat(int sampleRate, int channels, int bitsPerSample, SampleEncoding encoding)
    {
        if (sampleRate <= 0 || sampleRate > MaxSampleRate)
            throw new ArgumentOutOfRangeException(nameof(sampleRate), sampleRate, $"sample rate must be 1..{MaxSampleRate} Hz");
        if (channels <= 0 || channels > MaxChannels)
            throw new ArgumentOutOfRangeException(nameof(channels), channels, $"channel count must be 1..{MaxChannels}");
        if (!IsSupported(bitsPerSample, encoding))
            throw new ArgumentException($"unsupported sample layout: {bitsPerSample}-bit {encoding}", nameof(bitsPerSample));
        SampleRate = sampleRate;
        Channels = channels;
        BitsPerSample = bitsPerSample;
        Encoding = encoding;
    }

    public int SampleRate { get; }
    public int Channels { get; }
    public int BitsPerSample { get; }
    public SampleEncoding Encoding { get; }

    public int BytesPerSample => BitsPerSample / 8;

    /// <summary>Bytes per frame (one sample of every channel).</summary>
    public int BlockAlign => Channels * BytesPerSample;

    public int AverageBytesPerSecond => SampleRate * BlockAlign;

    public static WaveFormat Pcm16(int sampleRate, int channels = 1) => new(sampleRate, channels, 16, SampleEncoding.Pcm);
    public static WaveFormat Pcm24(int sampleRate, int channels = 1) => new(sampleRate, channels, 24, SampleEncoding.Pcm);
    public static WaveFormat Float32(int sampleRate, int channels = 1) => new(sampleRate, channels, 32, SampleEncoding.IeeeFloat);

    /// <summary>Same encoding and rate, another channel count.</summary>
    public WaveFormat WithChannels(int channels) => new(SampleRate, channels, BitsPerSample, Encoding);

    /// <summary>Same encoding and channels, another sample rate.</summary>
    public WaveFormat WithSampleRate(int sampleRate) => new(sampleRate, Channels, BitsPerSample, Encoding);

    public static bool IsSupported(int bitsPerSample, SampleEncoding encoding) => encoding switch
    {
        SampleEncoding.Pcm => bitsPerSample is 8 or 16 or 24 or 32,
        SampleEncoding.IeeeFloat => bitsPerSample is 32 or 64,
        _ => false,
    };

    public override string ToString() =>
        $"{(Encoding == SampleEncoding.Pcm ? "PCM" : "float")} {BitsPerSample}-bit, {Channels} ch, {SampleRate} Hz";
}
