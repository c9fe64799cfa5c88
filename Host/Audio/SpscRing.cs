namespace RealtimeDenoise.Host.Audio;

/// <summary>
/// Lock-free single-producer / single-consumer ring of samples, preallocated once. One thread writes
/// (e.g. the audio callback), one thread reads (e.g. the worker); neither blocks, allocates or locks.
/// Positions are monotonically increasing 64-bit counters published with release/acquire semantics.
/// </summary>
public sealed class SpscRing
{
    private readonly float[] _buffer;
    private readonly int _mask;
    private long _written; // advanced only by the producer
    private long _read;    // advanced only by the consumer

    /// <param name="minimumCapacity">rounded up to a power of two</param>
    public SpscRing(int minimumCapacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(minimumCapacity, 1);
        int capacity = (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)minimumCapacity);
        _buffer = new float[capacity];
        _mask = capacity - 1;
    }

    public int Capacity => _buffer.Length;

    /// <summary>Samples ready to read (a snapshot; exact for the consumer, a lower bound for others).</summary>
    public int Count => (int)(Volatile.Read(ref _written) - Volatile.Read(ref _read));

    /// <summary>Free space (exact for the producer).</summary>
    public int Free => Capacity - Count;

    /// <summary>Producer: writes as many samples as fit and returns how many were written.</summary>
    public int Write(ReadOnlySpan<float> source)
    {
        long w = _written;
        int free = Capacity - (int)(w - Volatile.Read(ref _read));
        int n = Math.Min(free, source.Length);
        int start = (int)(w & _mask);
        int first = Math.Min(n, Capacity - start);
        source[..first].CopyTo(_buffer.AsSpan(start, first));
        source.Slice(first, n - first).CopyTo(_buffer.AsSpan(0, n - first));
        Volatile.Write(ref _written, w + n);
        return n;
    }

    /// <summary>Producer: appends <paramref name="count"/> zeros (as many as fit); returns how many.</summary>
    public int WriteSilence(int count)
    {
        long w = _written;
        int free = Capacity - (int)(w - Volatile.Read(ref _read));
        int n = Math.Min(free, count);
        int start = (int)(w & _mask);
        int first = Math.Min(n, Capacity - start);
        _buffer.AsSpan(start, first).Clear();
        _buffer.AsSpan(0, n - first).Clear();
        Volatile.Write(ref _written, w + n);
        return n;
    }

    /// <summary>Consumer: reads up to destination.Length samples and returns how many were read.</summary>
    public int Read(Span<float> destination)
    {
        long r = _read;
        int available = (int)(Volatile.Read(ref _written) - r);
        int n = Math.Min(available, destination.Length);
        int start = (int)(r & _mask);
        int first = Math.Min(n, Capacity - start);
        _buffer.AsSpan(start, first).CopyTo(destination);
        _buffer.AsSpan(0, n - first).CopyTo(destination[first..]);
        Volatile.Write(ref _read, r + n);
        return n;
    }

    /// <summary>Consumer: drops up to <paramref name="count"/> samples (recovery after an overrun).</summary>
    public int Skip(int count)
    {
        long r = _read;
        int n = Math.Min((int)(Volatile.Read(ref _written) - r), count);
        Volatile.Write(ref _read, r + n);
        return n;
    }
}
