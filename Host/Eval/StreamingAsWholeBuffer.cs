using RealtimeDenoise.Enhancement;
using RealtimeDenoise.Streaming;

namespace RealtimeDenoise.Host.Eval;

/// <summary>
/// Runs a streaming processor over a whole signal exactly as a live host would (fixed-size blocks, state carried
/// across blocks), then removes its latency: the input is followed by <see cref="IStreamProcessor.LatencySamples"/>
/// zeros and the first LatencySamples output samples are dropped, so the result is aligned with the input and has
/// its length. The processor is reset before each signal. Owns (disposes) the processor.
/// </summary>
public sealed class StreamingAsWholeBuffer : IEnhancer, IDisposable
{
    private readonly IStreamProcessor _processor;
    private readonly int _blockSize;

    /// <param name="blockSize">Samples per Process call (default 128 = 8 ms at 16 kHz, a typical audio callback).</param>
    public StreamingAsWholeBuffer(IStreamProcessor processor, int blockSize = 128)
    {
        ArgumentNullException.ThrowIfNull(processor);
        if (blockSize <= 0) throw new ArgumentOutOfRangeException(nameof(blockSize), blockSize, "Block size must be positive.");
        if (processor.LatencySamples < 0) throw new ArgumentException($"Stream processor reports a negative latency ({processor.LatencySamples}).", nameof(processor));
        _processor = processor;
        _blockSize = blockSize;
    }

    public int SampleRate => _processor.SampleRate;

    public int LatencySamples => _processor.LatencySamples;

    public float[] Enhance(ReadOnlySpan<float> noisy, IProgress<double>? progress = null, CancellationToken cancellationToken = default)
    {
        _processor.Reset();
        int latency = _processor.LatencySamples;
        int total = noisy.Length + latency;
        var input = new float[_blockSize];
        var output = new float[_blockSize];
        var result = new float[noisy.Length];
        for (int start = 0; start < total; start += _blockSize)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int count = Math.Min(_blockSize, total - start);
            // Input past the end of the signal is zero: it flushes the last LatencySamples samples out.
            int fromSignal = Math.Clamp(noisy.Length - start, 0, count);
            if (fromSignal > 0) noisy.Slice(start, fromSignal).CopyTo(input);
            input.AsSpan(fromSignal, count - fromSignal).Clear();
            _processor.Process(input.AsSpan(0, count), output.AsSpan(0, count));
            // Output sample j belongs to input sample j − latency.
            for (int j = 0; j < count; j++)
            {
                int target = start + j - latency;
                if ((uint)target < (uint)result.Length) result[target] = output[j];
            }
            progress?.Report(Math.Min(1.0, (double)(start + count) / total));
        }
        return result;
    }

    public void Dispose() => _processor.Dispose();
}
