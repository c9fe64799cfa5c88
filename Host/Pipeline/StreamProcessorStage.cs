using RealtimeDenoise.Streaming;

namespace RealtimeDenoise.Host.Pipeline;

/// <summary>
/// Runs a block <see cref="IStreamProcessor"/> over a file channel: drops its first LatencySamples outputs
/// and flushes as many zeros at the end, so the output lines up with the input and is exactly as long.
/// </summary>
public sealed class StreamProcessorStage(IStreamProcessor processor, ISampleSink next) : MonoStage(next)
{
    private const int Chunk = 4096;
    private readonly float[] _out = new float[Chunk];
    private readonly float[] _zeros = new float[Chunk];
    private long _toDrop = processor.LatencySamples;

    public override void Push(ReadOnlySpan<float> samples)
    {
        Run(samples);
    }

    public override void Finish()
    {
        PushZerosNoCount(processor.LatencySamples);
        Next.Finish();
    }

    private void PushZerosNoCount(long count)
    {
        while (count > 0)
        {
            int n = (int)Math.Min(count, Chunk);
            Run(_zeros.AsSpan(0, n));
            count -= n;
        }
    }

    private void Run(ReadOnlySpan<float> samples)
    {
        while (!samples.IsEmpty)
        {
            var block = samples[..Math.Min(Chunk, samples.Length)];
            samples = samples[block.Length..];
            var output = _out.AsSpan(0, block.Length);
            processor.Process(block, output);
            if (_toDrop > 0)
            {
                int drop = (int)Math.Min(_toDrop, output.Length);
                _toDrop -= drop;
                output = output[drop..];
            }
            if (!output.IsEmpty) Next.Push(output);
        }
    }
}
