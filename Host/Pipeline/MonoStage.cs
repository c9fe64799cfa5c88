namespace RealtimeDenoise.Host.Pipeline;

/// <summary>Receives the samples a stage emits.</summary>
public interface ISampleSink
{
    void Push(ReadOnlySpan<float> samples);

    /// <summary>End of stream: emit everything still held.</summary>
    void Finish();
}

/// <summary>
/// One step of a per-channel file chain (resample, enhance, resample back). Each stage removes its own
/// delay and emits exactly as many samples as an ideal zero-delay stage would, so the chain's output
/// is sample-aligned with its input.
/// </summary>
public abstract class MonoStage(ISampleSink next) : ISampleSink
{
    protected ISampleSink Next { get; } = next;

    public abstract void Push(ReadOnlySpan<float> samples);
    public abstract void Finish();

}

/// <summary>Collects a channel's final output (a FIFO the file writer drains), cut to an exact total length when one is given.</summary>
public sealed class SampleCollector(long? expectedTotal = null) : ISampleSink
{
    private float[] _buffer = new float[8192];
    private int _start, _count;
    private long _accepted;

    public int Available => _count;
    public long Accepted => _accepted;
    public bool Finished { get; private set; }

    public void Push(ReadOnlySpan<float> samples)
    {
        long room = (expectedTotal ?? long.MaxValue) - _accepted;
        if (room <= 0) return;
        if (samples.Length > room) samples = samples[..(int)room];
        if (_start + _count + samples.Length > _buffer.Length)
        {
            if (_count + samples.Length > _buffer.Length)
                Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _count + samples.Length));
            Array.Copy(_buffer, _start, _buffer, 0, _count);
            _start = 0;
        }
        samples.CopyTo(_buffer.AsSpan(_start + _count));
        _count += samples.Length;
        _accepted += samples.Length;
    }

    /// <summary>Pads with zeros up to the expected length (only a stage's rounding can leave it short).</summary>
    public void Finish()
    {
        if (expectedTotal is { } total && _accepted < total) Push(new float[(int)(total - _accepted)]);
        Finished = true;
    }

    public void Take(Span<float> destination)
    {
        if (destination.Length > _count) throw new ArgumentOutOfRangeException(nameof(destination));
        _buffer.AsSpan(_start, destination.Length).CopyTo(destination);
        _start += destination.Length;
        _count -= destination.Length;
        if (_count == 0) _start = 0;
    }
}
