namespace RealtimeDenoise.Audio;

/// <summary>What a finished write did: frames written, NaN/Inf samples written as 0, samples clipped to the integer range.</summary>
public readonly record struct WaveWriteResult(long Frames, long NonFiniteSamples, long ClippedSamples);
