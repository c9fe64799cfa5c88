namespace RealtimeDenoise.Audio;

/// <summary>How <see cref="WaveFileWriter"/> treats an existing target and integer quantisation.</summary>
public sealed record WaveWriterOptions
{
    /// <summary>Replace an existing file at the target path (default: refuse).</summary>
    public bool Overwrite { get; init; }

    /// <summary>Add TPDF dither (±1 LSB triangular) before rounding to integer PCM (default: plain rounding).</summary>
    public bool Dither { get; init; }

    /// <summary>Seed of the dither noise, so dithered output is reproducible.</summary>
    public ulong DitherSeed { get; init; } = 1;

    public static WaveWriterOptions Default { get; } = new();
}
