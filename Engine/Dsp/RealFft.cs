namespace RealtimeDenoise.Dsp;

/// <summary>
/// Real-input FFT of a power-of-two size N, computed as a complex FFT of size N/2 followed by the
/// usual split step. Produces bins 0..N/2. All buffers are allocated in the constructor, so
/// <see cref="Forward"/> and <see cref="Inverse"/> do not allocate. Not thread-safe: one instance per thread.
/// </summary>
public sealed class RealFft
{
    private readonly int _n, _half;
    private readonly float[] _cosHalf, _sinHalf;    // twiddles of the N/2 complex FFT
    private readonly float[] _cosSplit, _sinSplit;  // twiddles e^{-2πik/N} of the split step, k = 0..N/2
    private readonly int[] _bitReverse;
    private readonly float[] _re, _im;

    public RealFft(int size)
    {
        if (size < 4 || (size & (size - 1)) != 0)
            throw new ArgumentException($"FFT size must be a power of two ≥ 4, got {size}.", nameof(size));
        _n = size;
        _half = size / 2;
        _cosHalf = new float[_half / 2 > 0 ? _half / 2 : 1];
        _sinHalf = new float[_cosHalf.Length];
        for (int k = 0; k < _half / 2; k++)
        {
            double a = -2.0 * Math.PI * k / _half;
            _cosHalf[k] = (float)Math.Cos(a);
            _sinHalf[k] = (float)Math.Sin(a);
        }
        _cosSplit = new float[_half + 1];
        _sinSplit = new float[_half + 1];
        for (int k = 0; k <= _half; k++)
        {
            double a = -2.0 * Math.PI * k / _n;
            _cosSplit[k] = (float)Math.Cos(a);
            _sinSplit[k] = (float)Math.Sin(a);
        }
        _bitReverse = new int[_half];
        int bits = System.Numerics.BitOperations.Log2((uint)_half);
        for (int i = 0; i < _half; i++)
        {
            int r = 0;
            for (int b = 0; b < bits; b++) r |= ((i >> b) & 1) << (bits - 1 - b);
            _bitReverse[i] = r;
        }
        _re = new float[_half];
        _im = new float[_half];
    }

    public int Size => _n;
    public int Bins => _half + 1;

    /// <summary>X[k] = Σ_n x[n] e^{−2πikn/N} for k = 0..N/2 (no scaling).</summary>
    public void Forward(ReadOnlySpan<float> input, Span<float> real, Span<float> imag)
    {
        if (input.Length != _n) throw new ArgumentException($"Input length {input.Length} ≠ FFT size {_n}.");
        if (real.Length < Bins || imag.Length < Bins) throw new ArgumentException("Output spans are shorter than N/2+1.");
        // Pack even/odd samples as one complex sequence z[m] = x[2m] + i x[2m+1], bit-reversed.
        for (int m = 0; m < _half; m++)
        {
            int r = _bitReverse[m];
            _re[r] = input[2 * m];
            _im[r] = input[2 * m + 1];
        }
        ComplexTransform(_re, _im, inverse: false);
        // Split: X[k] = E[k] + W^k O[k], E = (Z[k] + conj Z[N/2−k])/2, O = (Z[k] − conj Z[N/2−k])/(2i).
        real[0] = _re[0] + _im[0];
        imag[0] = 0;
        real[_half] = _re[0] - _im[0];
        imag[_half] = 0;
        for (int k = 1; k < _half; k++)
        {
            float zr = _re[k], zi = _im[k];
            float cr = _re[_half - k], ci = -_im[_half - k];
            float er = 0.5f * (zr + cr), ei = 0.5f * (zi + ci);
            float dr = 0.5f * (zr - cr), di = 0.5f * (zi - ci);
            float or = di, oi = -dr; // (dr + i di)/i
            float wr = _cosSplit[k], wi = _sinSplit[k];
            real[k] = er + wr * or - wi * oi;
            imag[k] = ei + wr * oi + wi * or;
        }
    }

    /// <summary>Inverse of <see cref="Forward"/>, including the 1/N scaling: Inverse(Forward(x)) = x.</summary>
    public void Inverse(ReadOnlySpan<float> real, ReadOnlySpan<float> imag, Span<float> output)
    {
        if (output.Length != _n) throw new ArgumentException($"Output length {output.Length} ≠ FFT size {_n}.");
        if (real.Length < Bins || imag.Length < Bins) throw new ArgumentException("Input spans are shorter than N/2+1.");
        // Undo the split: Z[k] = E[k] + i O[k] with E = (X[k] + conj X[N/2−k])/2, O = (X[k] − conj X[N/2−k]) W^{−k}/2.
        for (int k = 0; k < _half; k++)
        {
            float xr = real[k], xi = imag[k];
            float cr = real[_half - k], ci = -imag[_half - k];
            float er = 0.5f * (xr + cr), ei = 0.5f * (xi + ci);
            float dr = 0.5f * (xr - cr), di = 0.5f * (xi - ci);
            float wr = _cosSplit[k], wi = -_sinSplit[k];
            float or = dr * wr - di * wi, oi = dr * wi + di * wr;
            int r = _bitReverse[k];
            _re[r] = er - oi;
            _im[r] = ei + or;
        }
        ComplexTransform(_re, _im, inverse: true);
        float scale = 1f / _half;
        for (int m = 0; m < _half; m++)
        {
            output[2 * m] = _re[m] * scale;
            output[2 * m + 1] = _im[m] * scale;
        }
    }

    /// <summary>In-place iterative radix-2 FFT of size N/2 on bit-reversed input.</summary>
    private void ComplexTransform(float[] re, float[] im, bool inverse)
    {
        int n = _half;
        float sign = inverse ? -1f : 1f;
        for (int len = 2; len <= n; len <<= 1)
        {
            int halfLen = len >> 1, step = n / len;
            for (int start = 0; start < n; start += len)
            {
                for (int j = 0; j < halfLen; j++)
                {
                    float wr = _cosHalf[j * step], wi = sign * _sinHalf[j * step];
                    int a = start + j, b = a + halfLen;
                    float tr = re[b] * wr - im[b] * wi;
                    float ti = re[b] * wi + im[b] * wr;
                    re[b] = re[a] - tr; im[b] = im[a] - ti;
                    re[a] += tr; im[a] += ti;
                }
            }
        }
    }
}
