namespace RealtimeDenoise.Audio;

/// <summary>How one sample is stored in a WAV data chunk.</summary>
public enum SampleEncoding
{
    /// <summary>Integer PCM: 8-bit unsigned, 16/24/32-bit signed two's complement, little endian.</summary>
    Pcm,
    /// <summary>IEEE 754 floating point, 32 or 64 bits, little endian, nominal range ±1.</summary>
    IeeeFloat,
}
