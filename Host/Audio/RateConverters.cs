using RealtimeDenoise.Audio;

namespace RealtimeDenoise.Host.Audio;

/// <summary>Builds the streaming rate converter between two rates (the Engine's polyphase <see cref="Resampler"/>).</summary>
public static class RateConverters
{
    public static IRateConverter Create(int inputRate, int outputRate) =>
        inputRate == outputRate ? new IdentityRateConverter(inputRate) : new ResamplerRateConverter(inputRate, outputRate);
}

/// <summary><see cref="IRateConverter"/> over the Engine's streaming <see cref="Resampler"/>.</summary>
public sealed class ResamplerRateConverter(int inputRate, int outputRate) : IRateConverter
{
    private readonly Resampler _resampler = new(inputRate, outputRate);

    public int InputRate => inputRate;
    public int OutputRate => outputRate;
    public double DelayOutputSamples => _resampler.DelayOutputSamples;
    public int MaxOutput(int inputCount) => _resampler.MaxOutputLength(inputCount);
    public int Process(ReadOnlySpan<float> input, Span<float> output) => _resampler.Process(input, output);
    public void Reset() => _resampler.Reset();
}
