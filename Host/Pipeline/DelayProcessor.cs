using RealtimeDenoise.Streaming;

namespace RealtimeDenoise.Host.Pipeline;

/// <summary>
/// A stream processor that only delays its input by a fixed number of samples (optionally with a gain).
/// `rtdenoise live --passthrough` uses it to check the audio path without a model; tests use it as an
/// enhancer stand-in whose latency and output are known exactly.
/// </summary>
public sealed class DelayProcessor : IStreamProcessor
{
    private readonly float[] _line;
    private int _pos;

    public DelayProcessor(int sampleRate, int latencySamples, float gain = 1f)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sampleRate);
        ArgumentOutOfRangeException.ThrowIfNegative(latencySamples);
        SampleRate = sampleRate;
        LatencySamples = latencySamples;
        Gain = gain;
        _line = new float[Math.Max(latencySamples, 1)];
    }

    public int SampleRate { get; }
    public int LatencySamples { get; }
    public float Gain { get; }
    public bool Bypass { get; set; }

    public void Process(ReadOnlySpan<float> input, Span<float> output)
    {
        if (output.Length != input.Length) throw new ArgumentException("output must be as long as input");
        float g = Bypass ? 1f : Gain;
        if (LatencySamples == 0)
        {
            for (int i = 0; i < input.Length; i++) output[i] = g * input[i];
            return;
        }
        for (int i = 0; i < input.Length; i++)
        {
            output[i] = g * _line[_pos];
            _line[_pos] = input[i];
            if (++_pos == _line.Length) _pos = 0;
        }
    }

    public void Reset()
    {
        Array.Clear(_line);
        _pos = 0;
    }

    public void Dispose() { }
}
