namespace RealtimeDenoise.Enhancement;

/// <summary>
/// Small, allocation-free pseudo-random source (xoshiro128**) with standard normal draws
/// (Marsaglia polar method). Deterministic for a seed, so enhancement runs are reproducible.
/// </summary>
internal sealed class GaussianSampler
{
    private uint _s0, _s1, _s2, _s3;
    private float _spare;
    private bool _hasSpare;

    public GaussianSampler(int seed) => Reseed(seed);

    public void Reseed(int seed)
    {
        // SplitMix32-style scrambling so nearby seeds give unrelated streams; the state is never all zero.
        uint x = (uint)seed ^ 0x9E3779B9u;
        _s0 = Mix(ref x); _s1 = Mix(ref x); _s2 = Mix(ref x); _s3 = Mix(ref x) | 1u;
        _hasSpare = false;
    }

    private static uint Mix(ref uint x)
    {
        x += 0x9E3779B9u;
        uint z = x;
        z = (z ^ (z >> 16)) * 0x85EBCA6Bu;
        z = (z ^ (z >> 13)) * 0xC2B2AE35u;
        return z ^ (z >> 16);
    }

    public uint NextUInt()
    {
        uint result = RotateLeft(_s1 * 5, 7) * 9;
        uint t = _s1 << 9;
        _s2 ^= _s0; _s3 ^= _s1; _s1 ^= _s2; _s0 ^= _s3;
        _s2 ^= t;
        _s3 = RotateLeft(_s3, 11);
        return result;
    }

    private static uint RotateLeft(uint x, int k) => (x << k) | (x >> (32 - k));

    /// <summary>Uniform in [0, 1).</summary>
    public float NextUniform() => (NextUInt() >> 8) * (1f / 16777216f);

    public float NextGaussian()
    {
        if (_hasSpare)
        {
            _hasSpare = false;
            return _spare;
        }
        float u, v, s;
        do
        {
            u = 2f * NextUniform() - 1f;
            v = 2f * NextUniform() - 1f;
            s = u * u + v * v;
        } while (s >= 1f || s == 0f);
        float m = MathF.Sqrt(-2f * MathF.Log(s) / s);
        _spare = v * m;
        _hasSpare = true;
        return u * m;
    }
}
