namespace RealtimeDenoise.Host.Audio;

/// <summary>
/// Energy meter shared between one real-time writer (<see cref="Add"/>: no allocation, no lock) and one
/// reader (<see cref="TakeDb"/>). The writer only grows running totals; the reader differences
/// them against its previous snapshot, so neither side ever writes the other's fields.
/// </summary>
public sealed class LevelMeter
{
    private double _energyTotal;
    private long _countTotal;
    private double _lastEnergy;
    private long _lastCount;

    public void Add(ReadOnlySpan<float> samples)
    {
        Volatile.Write(ref _energyTotal, _energyTotal + System.Numerics.Tensors.TensorPrimitives.SumOfSquares(samples));
        Volatile.Write(ref _countTotal, _countTotal + samples.Length);
    }

    /// <summary>RMS level in dBFS since the previous call (-120 when silent or nothing arrived).</summary>
    public double TakeDb() => TakeDb(out _, out _);

    public double TakeDb(out double energy, out long count)
    {
        long c = Volatile.Read(ref _countTotal);
        double e = Volatile.Read(ref _energyTotal);
        energy = Math.Max(0, e - _lastEnergy);
        count = c - _lastCount;
        _lastEnergy = e;
        _lastCount = c;
        return ToDb(energy, count);
    }

    public static double ToDb(double energy, long count) =>
        count <= 0 ? -120 : Math.Max(-120, 10 * Math.Log10(energy / count + 1e-12));
}
