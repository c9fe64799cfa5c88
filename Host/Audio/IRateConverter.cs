namespace RealtimeDenoise.Host.Audio;

/// <summary>
/// Streaming sample-rate conversion as the live engine and the file pipeline need it: any block size in,
/// whatever is ready out, with a known constant delay so the hosts can report and compensate latency.
/// </summary>
public interface IRateConverter
{
    int InputRate { get; }
    int OutputRate { get; }

    /// <summary>Group delay of the converter, in output samples.</summary>
    double DelayOutputSamples { get; }

    /// <summary>Most output samples one call with <paramref name="inputCount"/> input samples can produce.</summary>
    int MaxOutput(int inputCount);

    /// <summary>Converts a block; returns the number of samples written to <paramref name="output"/>.</summary>
    int Process(ReadOnlySpan<float> input, Span<float> output);

    void Reset();
}

/// <summary>Rates are equal: copies.</summary>
public sealed class IdentityRateConverter(int rate) : IRateConverter
{
    public int InputRate => rate;
    public int OutputRate => rate;
    public double DelayOutputSamples => 0;
    public int MaxOutput(int inputCount) => inputCount;

    public int Process(ReadOnlySpan<float> input, Span<float> output)
    {
        input.CopyTo(output);
        return input.Length;
    }

    public void Reset() { }
}
