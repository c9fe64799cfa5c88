namespace RealtimeDenoise.Training.Nn;

/// <summary>
/// xoshiro256** with SplitMix64 seeding: fast, and its whole state is four words, so a checkpoint can
/// store it and a resumed run draws exactly the same numbers as an uninterrupted one.
/// </summary>
internal sealed class TrainingRandom
{
    private ulong _s0, _s1, _s2, _s3;

    public TrainingRandom(ulong seed)
    {
        ulong x = seed;
        _s0 = SplitMix(ref x); _s1 = SplitMix(ref x); _s2 = SplitMix(ref x); _s3 = SplitMix(ref x);
    }

    public ulong[] State
    {
        get => [_s0, _s1, _s2, _s3];
        set
        {
            if (value.Length != 4 || (value[0] | value[1] | value[2] | value[3]) == 0) throw new ArgumentException("Invalid generator state.");
            (_s0, _s1, _s2, _s3) = (value[0], value[1], value[2], value[3]);
        }
    }

    public ulong NextUInt64()
    {
        ulong result = ulong.RotateLeft(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0; _s3 ^= _s1; _s1 ^= _s2; _s0 ^= _s3;
        _s2 ^= t;
        _s3 = ulong.RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>Uniform in [0, 1).</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform integer in [0, bound).</summary>
    public int NextInt(int bound) => (int)(NextDouble() * bound);

    /// <summary>Fills with standard normal draws (Box–Muller, both outputs used).</summary>
    public void FillGaussian(Span<float> destination)
    {
        for (int i = 0; i < destination.Length; i += 2)
        {
            var (a, b) = NextGaussianPair();
            destination[i] = (float)a;
            if (i + 1 < destination.Length) destination[i + 1] = (float)b;
        }
    }

    public void FillGaussian(Span<double> destination)
    {
        for (int i = 0; i < destination.Length; i += 2)
        {
            var (a, b) = NextGaussianPair();
            destination[i] = a;
            if (i + 1 < destination.Length) destination[i + 1] = b;
        }
    }

    public void Shuffle<T>(Span<T> items)
    {
        for (int i = items.Length - 1; i > 0; i--)
        {
            int j = NextInt(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    private (double, double) NextGaussianPair()
    {
        double u1 = 1.0 - NextDouble(); // (0, 1]
        double u2 = NextDouble();
        double r = Math.Sqrt(-2.0 * Math.Log(u1));
        return (r * Math.Cos(2 * Math.PI * u2), r * Math.Sin(2 * Math.PI * u2));
    }

    private static ulong SplitMix(ref ulong x)
    {
        ulong z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
