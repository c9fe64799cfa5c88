using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace RealtimeDenoise.Dsp;

/// <summary>
/// Real-input FFT of a power-of-two size N, computed as a complex FFT of size M = N/2 followed by the
/// usual split step. Produces bins 0..N/2. All buffers and twiddle tables are allocated in the constructor,
/// so <see cref="Forward"/> and <see cref="Inverse"/> do not allocate. Not thread-safe: one instance per thread.
/// </summary>
/// <remarks>
/// The complex FFT is an in-place decimation-in-time transform on split real/imaginary arrays: one radix-8 pass
/// (trivial twiddles; reads the input in bit-reversed order in place; with AVX 8 groups at a time and an 8×8 transpose
/// on the way out, scalar otherwise) followed by SIMD radix-4 passes (two radix-2 stages fused, so the data
/// makes half as many trips through memory) and at most one SIMD radix-2 pass. Each pass reads its
/// twiddles from its own contiguous table, so the SIMD loops load them with unit stride.
/// The inverse runs the same forward transform with real and imaginary parts swapped
/// (swap∘FFT∘swap = unscaled inverse FFT).
/// Hot methods are compiled fully optimised on first use (AggressiveOptimization), so a live stream never runs
/// slow tier-0 code in its first seconds.
/// </remarks>
public sealed class RealFft
{
    private readonly int _n, _half;
    private readonly Pass[] _passes;               // SIMD passes after the first scalar radix-2/4/8 pass
    private readonly float[] _twiddles;            // all pass tables, see BuildPasses
    private readonly float[] _splitCos, _splitSin; // e^{−2πik/N}, k = 0..N/2, for the split step
    private readonly int[] _groupReverse;         // bit reversal of the M/8 group indices of the first pass
    private readonly float[] _re, _im;             // complex work arrays of length M
    private readonly float[] _tmpRe, _tmpIm;       // inverse split output (natural order)

    /// <summary>A pass of <see cref="Radix"/> 2 or 4 whose first stage combines elements <see cref="Span"/> apart.</summary>
    private readonly record struct Pass(int Radix, int Span, int TwiddleOffset);

    public RealFft(int size)
    {
        if (size < 4 || (size & (size - 1)) != 0)
            throw new ArgumentException($"FFT size must be a power of two ≥ 4, got {size}.", nameof(size));
        _n = size;
        _half = size / 2;
        (_passes, _twiddles) = BuildPasses(_half);
        _splitCos = new float[_half + 1];
        _splitSin = new float[_half + 1];
        for (int k = 0; k <= _half; k++)
        {
            double a = -2.0 * Math.PI * k / _n;
            _splitCos[k] = (float)Math.Cos(a);
            _splitSin[k] = (float)Math.Sin(a);
        }
        _groupReverse = BitReversal(Math.Max(1, _half / 8));
        _re = new float[_half];
        _im = new float[_half];
        _tmpRe = new float[_half];
        _tmpIm = new float[_half];
    }

    public int Size => _n;
    public int Bins => _half + 1;

    /// <summary>X[k] = Σ_n x[n] e^{−2πikn/N} for k = 0..N/2 (no scaling).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Forward(ReadOnlySpan<float> input, Span<float> real, Span<float> imag)
    {
        if (input.Length != _n) throw new ArgumentException($"Input length {input.Length} ≠ FFT size {_n}.");
        if (real.Length < Bins || imag.Length < Bins) throw new ArgumentException("Output spans are shorter than N/2+1.");
        // Even/odd samples form one complex sequence z[m] = x[2m] + i x[2m+1], read in place (stride 2).
        ref float x = ref MemoryMarshal.GetReference(input);
        ComplexForward(ref x, ref Unsafe.Add(ref x, 1), 2);
        SplitForward(real, imag);
    }

    /// <summary>Inverse of <see cref="Forward"/>, including the 1/N scaling: Inverse(Forward(x)) = x.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Inverse(ReadOnlySpan<float> real, ReadOnlySpan<float> imag, Span<float> output)
    {
        if (output.Length != _n) throw new ArgumentException($"Output length {output.Length} ≠ FFT size {_n}.");
        if (real.Length < Bins || imag.Length < Bins) throw new ArgumentException("Input spans are shorter than N/2+1.");
        SplitInverse(real, imag);
        // With real and imaginary parts swapped, the forward transform computes the (swapped) unscaled inverse.
        ComplexForward(ref MemoryMarshal.GetArrayDataReference(_tmpIm), ref MemoryMarshal.GetArrayDataReference(_tmpRe), 1);
        ref float re = ref MemoryMarshal.GetArrayDataReference(_re);
        ref float im = ref MemoryMarshal.GetArrayDataReference(_im);
        // z[m] = x[2m] + i x[2m+1]; after the swap its real part is in _im and its imaginary part in _re.
        // (The 1/M scaling was folded into SplitInverse.)
        ref float y = ref MemoryMarshal.GetReference(output);
        int m = 0;
        if (Avx.IsSupported)
        {
            for (; m + 8 <= _half; m += 8)
            {
                var even = Vector256.LoadUnsafe(ref im, (nuint)m);
                var odd = Vector256.LoadUnsafe(ref re, (nuint)m);
                var lo = Avx.UnpackLow(even, odd);   // e0 o0 e1 o1 | e4 o4 e5 o5
                var hi = Avx.UnpackHigh(even, odd);  // e2 o2 e3 o3 | e6 o6 e7 o7
                Avx.Permute2x128(lo, hi, 0x20).StoreUnsafe(ref y, (nuint)(2 * m));
                Avx.Permute2x128(lo, hi, 0x31).StoreUnsafe(ref y, (nuint)(2 * m + 8));
            }
        }
        for (; m < _half; m++)
        {
            Unsafe.Add(ref y, 2 * m) = Unsafe.Add(ref im, m);
            Unsafe.Add(ref y, 2 * m + 1) = Unsafe.Add(ref re, m);
        }
    }

    /// <summary>
    /// Plans the SIMD passes for a complex FFT of size <paramref name="m"/> after the scalar first pass
    /// (which does the first min(3, log2 m) stages). Twiddle table of a pass with span h:
    /// radix 2: [Re W_{2h}^j, Im W_{2h}^j] (h each); radix 4: the same followed by [Re W_{4h}^j, Im W_{4h}^j], j &lt; h.
    /// </summary>
    private static (Pass[] Passes, float[] Twiddles) BuildPasses(int m)
    {
        int stages = BitOperations.Log2((uint)m);
        int remaining = Math.Max(0, stages - 3);
        var passes = new List<Pass>();
        var tw = new List<float>();
        int h = 8;
        if (remaining % 2 == 1)
        {
            passes.Add(new Pass(2, h, tw.Count));
            AddTwiddles(tw, h, 2 * h);
            h *= 2;
            remaining--;
        }
        for (; remaining > 0; remaining -= 2, h *= 4)
        {
            passes.Add(new Pass(4, h, tw.Count));
            AddTwiddles(tw, h, 2 * h);
            AddTwiddles(tw, h, 4 * h);
        }
        return (passes.ToArray(), tw.Count > 0 ? tw.ToArray() : new float[1]);

        static void AddTwiddles(List<float> tw, int count, int length)
        {
            for (int j = 0; j < count; j++) tw.Add((float)Math.Cos(-2.0 * Math.PI * j / length));
            for (int j = 0; j < count; j++) tw.Add((float)Math.Sin(-2.0 * Math.PI * j / length));
        }
    }

    private static int[] BitReversal(int count)
    {
        int bits = BitOperations.Log2((uint)count);
        var table = new int[count];
        for (int i = 0; i < count; i++)
        {
            int r = 0;
            for (int b = 0; b < bits; b++) r |= ((i >> b) & 1) << (bits - 1 - b);
            table[i] = r;
        }
        return table;
    }

    /// <summary>
    /// Forward complex FFT of size M from a natural-order source (element p at srcRe[p·stride], srcIm[p·stride])
    /// into _re/_im. The first pass reads the source in bit-reversed order, so no separate permutation pass is needed.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void ComplexForward(ref float srcRe, ref float srcIm, int stride)
    {
        ref float re = ref MemoryMarshal.GetArrayDataReference(_re);
        ref float im = ref MemoryMarshal.GetArrayDataReference(_im);
        int m = _half;
        if (m >= 64 && Avx.IsSupported)
        {
            FirstPassRadix8Avx(ref srcRe, ref srcIm, stride == 2, ref re, ref im, m, _groupReverse);
        }
        else if (m >= 8)
        {
            FirstPassRadix8(ref srcRe, ref srcIm, stride, ref re, ref im, m, _groupReverse);
        }
        else
        {
            // M = 2 or 4: bit reversal swaps elements 1 and 2 only.
            for (int p = 0; p < m; p++)
            {
                int r = m == 4 && (p == 1 || p == 2) ? 3 - p : p;
                Unsafe.Add(ref re, r) = Unsafe.Add(ref srcRe, p * stride);
                Unsafe.Add(ref im, r) = Unsafe.Add(ref srcIm, p * stride);
            }
            if (m == 4) FirstPassRadix4(ref re, ref im);
            else Radix2Butterfly(ref re, ref im, 0, 1, 1f, 0f);
        }
        ref float tw = ref MemoryMarshal.GetArrayDataReference(_twiddles);
        foreach (var pass in _passes)
        {
            if (pass.Radix == 4) Radix4Pass(ref re, ref im, m, pass.Span, ref Unsafe.Add(ref tw, pass.TwiddleOffset));
            else Radix2Pass(ref re, ref im, m, pass.Span, ref Unsafe.Add(ref tw, pass.TwiddleOffset));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Radix2Butterfly(ref float re, ref float im, int a, int b, float wr, float wi)
    {
        float br = Unsafe.Add(ref re, b), bi = Unsafe.Add(ref im, b);
        float tr = br * wr - bi * wi, ti = br * wi + bi * wr;
        float ar = Unsafe.Add(ref re, a), ai = Unsafe.Add(ref im, a);
        Unsafe.Add(ref re, a) = ar + tr; Unsafe.Add(ref im, a) = ai + ti;
        Unsafe.Add(ref re, b) = ar - tr; Unsafe.Add(ref im, b) = ai - ti;
    }

    private static void FirstPassRadix4(ref float re, ref float im)
    {
        Radix2Butterfly(ref re, ref im, 0, 1, 1f, 0f);
        Radix2Butterfly(ref re, ref im, 2, 3, 1f, 0f);
        Radix2Butterfly(ref re, ref im, 0, 2, 1f, 0f);
        Radix2Butterfly(ref re, ref im, 1, 3, 0f, -1f);
    }

    /// <summary>
    /// Stages of length 2, 4 and 8 on each group of 8 elements, with the constant twiddles written out. Element e of
    /// group g is source element bitrev(8g + e) = bitrev₃(e)·M/8 + bitrev(g), read straight from the source.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void FirstPassRadix8(ref float srcRe, ref float srcIm, int stride, ref float re, ref float im, int m, int[] groupReverse)
    {
        const float c = 0.70710678118654752f; // √½
        int q = m / 8 * stride;
        for (int g = 0; g < m / 8; g++)
        {
            int b = groupReverse[g] * stride;
            ref float sr = ref Unsafe.Add(ref srcRe, b);
            ref float si = ref Unsafe.Add(ref srcIm, b);
            // Length 2 (inputs in bit-reversed order 0, 4, 2, 6, 1, 5, 3, 7 of the stride-q sequence).
            float x0r = sr, x0i = si;
            float x1r = Unsafe.Add(ref sr, 4 * q), x1i = Unsafe.Add(ref si, 4 * q);
            float x2r = Unsafe.Add(ref sr, 2 * q), x2i = Unsafe.Add(ref si, 2 * q);
            float x3r = Unsafe.Add(ref sr, 6 * q), x3i = Unsafe.Add(ref si, 6 * q);
            float x4r = Unsafe.Add(ref sr, q), x4i = Unsafe.Add(ref si, q);
            float x5r = Unsafe.Add(ref sr, 5 * q), x5i = Unsafe.Add(ref si, 5 * q);
            float x6r = Unsafe.Add(ref sr, 3 * q), x6i = Unsafe.Add(ref si, 3 * q);
            float x7r = Unsafe.Add(ref sr, 7 * q), x7i = Unsafe.Add(ref si, 7 * q);
            float r0 = x0r + x1r, i0 = x0i + x1i, r1 = x0r - x1r, i1 = x0i - x1i;
            float r2 = x2r + x3r, i2 = x2i + x3i, r3 = x2r - x3r, i3 = x2i - x3i;
            float r4 = x4r + x5r, i4 = x4i + x5i, r5 = x4r - x5r, i5 = x4i - x5i;
            float r6 = x6r + x7r, i6 = x6i + x7i, r7 = x6r - x7r, i7 = x6i - x7i;
            ref float r = ref Unsafe.Add(ref re, 8 * g);
            ref float i = ref Unsafe.Add(ref im, 8 * g);
            // Length 4: twiddles 1 and −i (b·(−i) = (b_im, −b_re)).
            float s0 = r0 + r2, t0 = i0 + i2, s2 = r0 - r2, t2 = i0 - i2;
            float s1 = r1 + i3, t1 = i1 - r3, s3 = r1 - i3, t3 = i1 + r3;
            float s4 = r4 + r6, t4 = i4 + i6, s6 = r4 - r6, t6 = i4 - i6;
            float s5 = r5 + i7, t5 = i5 - r7, s7 = r5 - i7, t7 = i5 + r7;
            // Length 8: twiddles 1, (1−i)/√2, −i, (−1−i)/√2.
            float u5r = c * (s5 + t5), u5i = c * (t5 - s5);
            float u6r = t6, u6i = -s6;
            float u7r = c * (t7 - s7), u7i = -c * (s7 + t7);
            r = s0 + s4; i = t0 + t4;
            Unsafe.Add(ref r, 4) = s0 - s4; Unsafe.Add(ref i, 4) = t0 - t4;
            Unsafe.Add(ref r, 1) = s1 + u5r; Unsafe.Add(ref i, 1) = t1 + u5i;
            Unsafe.Add(ref r, 5) = s1 - u5r; Unsafe.Add(ref i, 5) = t1 - u5i;
            Unsafe.Add(ref r, 2) = s2 + u6r; Unsafe.Add(ref i, 2) = t2 + u6i;
            Unsafe.Add(ref r, 6) = s2 - u6r; Unsafe.Add(ref i, 6) = t2 - u6i;
            Unsafe.Add(ref r, 3) = s3 + u7r; Unsafe.Add(ref i, 3) = t3 + u7i;
            Unsafe.Add(ref r, 7) = s3 - u7r; Unsafe.Add(ref i, 7) = t3 - u7i;
        }
    }

    /// <summary>
    /// <see cref="FirstPassRadix8"/> for 8 groups at once (M ≥ 64): vector lane l computes the group whose bit-reversed
    /// index is gr0 + l, so every source row e·M/8 + gr0 .. +7 is one contiguous load; an 8×8 transpose then turns the
    /// 8 element vectors into 8 group rows for the stores.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void FirstPassRadix8Avx(ref float srcRe, ref float srcIm, bool interleaved, ref float re, ref float im, int m, int[] groupReverse)
    {
        var c = Vector256.Create(0.70710678118654752f); // √½
        int q = m / 8;
        // Deinterleaving x[2p], x[2p+1] leaves the lanes in the order 0, 1, 4, 5, 2, 3, 6, 7; lanes are independent
        // groups, so only the destination rows need to follow.
        ReadOnlySpan<int> deinterleavedLane = [0, 1, 4, 5, 2, 3, 6, 7];
        Span<int> rows = stackalloc int[8];
        for (int gr0 = 0; gr0 < q; gr0 += 8)
        {
            for (int l = 0; l < 8; l++) rows[l] = 8 * groupReverse[gr0 + (interleaved ? deinterleavedLane[l] : l)];
            // Length 2 (inputs in bit-reversed order 0, 4, 2, 6, 1, 5, 3, 7 of the stride-q sequence).
            LoadRow(ref srcRe, ref srcIm, interleaved, gr0, out var x0r, out var x0i);
            LoadRow(ref srcRe, ref srcIm, interleaved, gr0 + 4 * q, out var x1r, out var x1i);
            LoadRow(ref srcRe, ref srcIm, interleaved, gr0 + 2 * q, out var x2r, out var x2i);
            LoadRow(ref srcRe, ref srcIm, interleaved, gr0 + 6 * q, out var x3r, out var x3i);
            LoadRow(ref srcRe, ref srcIm, interleaved, gr0 + q, out var x4r, out var x4i);
            LoadRow(ref srcRe, ref srcIm, interleaved, gr0 + 5 * q, out var x5r, out var x5i);
            LoadRow(ref srcRe, ref srcIm, interleaved, gr0 + 3 * q, out var x6r, out var x6i);
            LoadRow(ref srcRe, ref srcIm, interleaved, gr0 + 7 * q, out var x7r, out var x7i);
            var r0 = x0r + x1r; var i0 = x0i + x1i; var r1 = x0r - x1r; var i1 = x0i - x1i;
            var r2 = x2r + x3r; var i2 = x2i + x3i; var r3 = x2r - x3r; var i3 = x2i - x3i;
            var r4 = x4r + x5r; var i4 = x4i + x5i; var r5 = x4r - x5r; var i5 = x4i - x5i;
            var r6 = x6r + x7r; var i6 = x6i + x7i; var r7 = x6r - x7r; var i7 = x6i - x7i;
            // Length 4: twiddles 1 and −i.
            var s0 = r0 + r2; var t0 = i0 + i2; var s2 = r0 - r2; var t2 = i0 - i2;
            var s1 = r1 + i3; var t1 = i1 - r3; var s3 = r1 - i3; var t3 = i1 + r3;
            var s4 = r4 + r6; var t4 = i4 + i6; var s6 = r4 - r6; var t6 = i4 - i6;
            var s5 = r5 + i7; var t5 = i5 - r7; var s7 = r5 - i7; var t7 = i5 + r7;
            // Length 8: twiddles 1, (1−i)/√2, −i, (−1−i)/√2.
            var u5r = c * (s5 + t5); var u5i = c * (t5 - s5);
            var u7r = c * (t7 - s7); var u7i = -(c * (s7 + t7));
            TransposeStore(ref re, rows, s0 + s4, s1 + u5r, s2 + t6, s3 + u7r, s0 - s4, s1 - u5r, s2 - t6, s3 - u7r);
            TransposeStore(ref im, rows, t0 + t4, t1 + u5i, t2 - s6, t3 + u7i, t0 - t4, t1 - u5i, t2 + s6, t3 - u7i);
        }
    }

    /// <summary>Source elements p..p+7 as real and imaginary vectors; interleaved sources hold (re, im) pairs at srcRe[2p].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void LoadRow(ref float srcRe, ref float srcIm, bool interleaved, int p, out Vector256<float> r, out Vector256<float> i)
    {
        if (interleaved)
        {
            var a = Vector256.LoadUnsafe(ref srcRe, (nuint)(2 * p));     // r0 i0 r1 i1 | r2 i2 r3 i3
            var b = Vector256.LoadUnsafe(ref srcRe, (nuint)(2 * p + 8)); // r4 i4 r5 i5 | r6 i6 r7 i7
            r = Avx.Shuffle(a, b, 0x88);                                 // r0 r1 r4 r5 | r2 r3 r6 r7
            i = Avx.Shuffle(a, b, 0xDD);
        }
        else
        {
            r = Vector256.LoadUnsafe(ref srcRe, (nuint)p);
            i = Vector256.LoadUnsafe(ref srcIm, (nuint)p);
        }
    }

    /// <summary>Stores lane l of a0..a7 as the 8 consecutive floats at dst[rows[l]] (an 8×8 transpose).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void TransposeStore(ref float dst, ReadOnlySpan<int> rows,
        Vector256<float> a0, Vector256<float> a1, Vector256<float> a2, Vector256<float> a3,
        Vector256<float> a4, Vector256<float> a5, Vector256<float> a6, Vector256<float> a7)
    {
        var t0 = Avx.UnpackLow(a0, a1); var t1 = Avx.UnpackHigh(a0, a1);
        var t2 = Avx.UnpackLow(a2, a3); var t3 = Avx.UnpackHigh(a2, a3);
        var t4 = Avx.UnpackLow(a4, a5); var t5 = Avx.UnpackHigh(a4, a5);
        var t6 = Avx.UnpackLow(a6, a7); var t7 = Avx.UnpackHigh(a6, a7);
        var u0 = Avx.Shuffle(t0, t2, 0x44); var u1 = Avx.Shuffle(t0, t2, 0xEE);
        var u2 = Avx.Shuffle(t1, t3, 0x44); var u3 = Avx.Shuffle(t1, t3, 0xEE);
        var u4 = Avx.Shuffle(t4, t6, 0x44); var u5 = Avx.Shuffle(t4, t6, 0xEE);
        var u6 = Avx.Shuffle(t5, t7, 0x44); var u7 = Avx.Shuffle(t5, t7, 0xEE);
        Avx.Permute2x128(u0, u4, 0x20).StoreUnsafe(ref dst, (nuint)rows[0]);
        Avx.Permute2x128(u1, u5, 0x20).StoreUnsafe(ref dst, (nuint)rows[1]);
        Avx.Permute2x128(u2, u6, 0x20).StoreUnsafe(ref dst, (nuint)rows[2]);
        Avx.Permute2x128(u3, u7, 0x20).StoreUnsafe(ref dst, (nuint)rows[3]);
        Avx.Permute2x128(u0, u4, 0x31).StoreUnsafe(ref dst, (nuint)rows[4]);
        Avx.Permute2x128(u1, u5, 0x31).StoreUnsafe(ref dst, (nuint)rows[5]);
        Avx.Permute2x128(u2, u6, 0x31).StoreUnsafe(ref dst, (nuint)rows[6]);
        Avx.Permute2x128(u3, u7, 0x31).StoreUnsafe(ref dst, (nuint)rows[7]);
    }

    /// <summary>One radix-2 stage of length 2h: pairs (a, a + h) with twiddle W_{2h}^j.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Radix2Pass(ref float re, ref float im, int m, int h, ref float tw)
    {
        int v = Vector<float>.Count;
        ref float twi = ref Unsafe.Add(ref tw, h);
        for (int start = 0; start < m; start += 2 * h)
        {
            int j = 0;
            for (; j + v <= h; j += v)
            {
                nuint a = (nuint)(start + j), b = a + (nuint)h;
                var wr = Vector.LoadUnsafe(ref tw, (nuint)j);
                var wi = Vector.LoadUnsafe(ref twi, (nuint)j);
                var br = Vector.LoadUnsafe(ref re, b);
                var bi = Vector.LoadUnsafe(ref im, b);
                var tr = br * wr - bi * wi;
                var ti = br * wi + bi * wr;
                var ar = Vector.LoadUnsafe(ref re, a);
                var ai = Vector.LoadUnsafe(ref im, a);
                (ar + tr).StoreUnsafe(ref re, a);
                (ai + ti).StoreUnsafe(ref im, a);
                (ar - tr).StoreUnsafe(ref re, b);
                (ai - ti).StoreUnsafe(ref im, b);
            }
            for (; j < h; j++)
                Radix2Butterfly(ref re, ref im, start + j, start + j + h, Unsafe.Add(ref tw, j), Unsafe.Add(ref twi, j));
        }
    }

    /// <summary>
    /// Stages of length 2h and 4h fused: quartets (a, a+h, a+2h, a+3h) go through the first stage with W_{2h}^j and the
    /// second with W_{4h}^j (and W_{4h}^{j+h} = −i·W_{4h}^j) while in registers.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Radix4Pass(ref float re, ref float im, int m, int h, ref float tw)
    {
        int v = Vector<float>.Count;
        ref float w2r = ref tw;
        ref float w2i = ref Unsafe.Add(ref tw, h);
        ref float w4r = ref Unsafe.Add(ref tw, 2 * h);
        ref float w4i = ref Unsafe.Add(ref tw, 3 * h);
        for (int start = 0; start < m; start += 4 * h)
        {
            int j = 0;
            for (; j + v <= h; j += v)
            {
                nuint a0 = (nuint)(start + j), a1 = a0 + (nuint)h, a2 = a1 + (nuint)h, a3 = a2 + (nuint)h;
                var xr = Vector.LoadUnsafe(ref w2r, (nuint)j);
                var xi = Vector.LoadUnsafe(ref w2i, (nuint)j);

                var br = Vector.LoadUnsafe(ref re, a1);
                var bi = Vector.LoadUnsafe(ref im, a1);
                var tr = br * xr - bi * xi;
                var ti = br * xi + bi * xr;
                var ar = Vector.LoadUnsafe(ref re, a0);
                var ai = Vector.LoadUnsafe(ref im, a0);
                var y0r = ar + tr; var y0i = ai + ti;
                var y1r = ar - tr; var y1i = ai - ti;

                br = Vector.LoadUnsafe(ref re, a3);
                bi = Vector.LoadUnsafe(ref im, a3);
                tr = br * xr - bi * xi;
                ti = br * xi + bi * xr;
                ar = Vector.LoadUnsafe(ref re, a2);
                ai = Vector.LoadUnsafe(ref im, a2);
                var y2r = ar + tr; var y2i = ai + ti;
                var y3r = ar - tr; var y3i = ai - ti;

                xr = Vector.LoadUnsafe(ref w4r, (nuint)j);
                xi = Vector.LoadUnsafe(ref w4i, (nuint)j);
                var ur = y2r * xr - y2i * xi;
                var ui = y2r * xi + y2i * xr;
                (y0r + ur).StoreUnsafe(ref re, a0); (y0i + ui).StoreUnsafe(ref im, a0);
                (y0r - ur).StoreUnsafe(ref re, a2); (y0i - ui).StoreUnsafe(ref im, a2);
                // v = y3·W_{4h}^j·(−i) = (Im(y3·W), −Re(y3·W)).
                var vr = y3r * xi + y3i * xr;
                var vi = y3i * xi - y3r * xr;
                (y1r + vr).StoreUnsafe(ref re, a1); (y1i + vi).StoreUnsafe(ref im, a1);
                (y1r - vr).StoreUnsafe(ref re, a3); (y1i - vi).StoreUnsafe(ref im, a3);
            }
            for (; j < h; j++)
            {
                int a0 = start + j;
                float xr = Unsafe.Add(ref w2r, j), xi = Unsafe.Add(ref w2i, j);
                Radix2Butterfly(ref re, ref im, a0, a0 + h, xr, xi);
                Radix2Butterfly(ref re, ref im, a0 + 2 * h, a0 + 3 * h, xr, xi);
                float yr = Unsafe.Add(ref w4r, j), yi = Unsafe.Add(ref w4i, j);
                Radix2Butterfly(ref re, ref im, a0, a0 + 2 * h, yr, yi);
                Radix2Butterfly(ref re, ref im, a0 + h, a0 + 3 * h, yi, -yr); // W·(−i)
            }
        }
    }

    /// <summary>
    /// X[k] = E[k] + W^k O[k] with E = (Z[k] + conj Z[M−k])/2, O = (Z[k] − conj Z[M−k])/(2i), W = e^{−2πi/N}.
    /// Written out: X[k] = ½(Zr+Cr) + ½(wr(Zi+Ci') + wi(Zr−Cr)) + i·[½(Zi−Ci') − ½(wr(Zr−Cr) − wi(Zi+Ci'))],
    /// with Z[M−k] = Cr + i·Ci'.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void SplitForward(Span<float> real, Span<float> imag)
    {
        int m = _half;
        ref float re = ref MemoryMarshal.GetArrayDataReference(_re);
        ref float im = ref MemoryMarshal.GetArrayDataReference(_im);
        ref float wc = ref MemoryMarshal.GetArrayDataReference(_splitCos);
        ref float ws = ref MemoryMarshal.GetArrayDataReference(_splitSin);
        ref float outR = ref MemoryMarshal.GetReference(real);
        ref float outI = ref MemoryMarshal.GetReference(imag);
        outR = re + im;
        outI = 0;
        Unsafe.Add(ref outR, m) = re - im;
        Unsafe.Add(ref outI, m) = 0;
        int k = 1;
        if (Vector256.IsHardwareAccelerated)
        {
            var half = Vector256.Create(0.5f);
            var reverse = Vector256.Create(7, 6, 5, 4, 3, 2, 1, 0);
            for (; k + 8 <= m; k += 8)
            {
                nuint kk = (nuint)k, mirror = (nuint)(m - k - 7);
                var zr = Vector256.LoadUnsafe(ref re, kk);
                var zi = Vector256.LoadUnsafe(ref im, kk);
                var cr = Vector256.Shuffle(Vector256.LoadUnsafe(ref re, mirror), reverse);
                var ci = Vector256.Shuffle(Vector256.LoadUnsafe(ref im, mirror), reverse);
                var wr = Vector256.LoadUnsafe(ref wc, kk);
                var wi = Vector256.LoadUnsafe(ref ws, kk);
                var er = (zr + cr) * half;
                var ei = (zi - ci) * half;
                var dr = (zr - cr) * half;
                var di = (zi + ci) * half;
                (er + wr * di + wi * dr).StoreUnsafe(ref outR, kk);
                (ei - wr * dr + wi * di).StoreUnsafe(ref outI, kk);
            }
        }
        for (; k < m; k++)
        {
            float zr = Unsafe.Add(ref re, k), zi = Unsafe.Add(ref im, k);
            float cr = Unsafe.Add(ref re, m - k), ci = Unsafe.Add(ref im, m - k);
            float er = 0.5f * (zr + cr), ei = 0.5f * (zi - ci);
            float dr = 0.5f * (zr - cr), di = 0.5f * (zi + ci);
            float wr = Unsafe.Add(ref wc, k), wi = Unsafe.Add(ref ws, k);
            Unsafe.Add(ref outR, k) = er + wr * di + wi * dr;
            Unsafe.Add(ref outI, k) = ei - wr * dr + wi * di;
        }
    }

    /// <summary>
    /// Undoes the split into _tmpRe/_tmpIm (natural order): Z[k] = E[k] + i O[k] with E = (X[k] + conj X[M−k])/2,
    /// O = (X[k] − conj X[M−k]) W^{−k}/2, all scaled by the inverse transform's 1/M (linear, so it can be applied here).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void SplitInverse(ReadOnlySpan<float> real, ReadOnlySpan<float> imag)
    {
        int m = _half;
        ref float xr0 = ref MemoryMarshal.GetReference(real);
        ref float xi0 = ref MemoryMarshal.GetReference(imag);
        ref float wc = ref MemoryMarshal.GetArrayDataReference(_splitCos);
        ref float ws = ref MemoryMarshal.GetArrayDataReference(_splitSin);
        ref float zr0 = ref MemoryMarshal.GetArrayDataReference(_tmpRe);
        ref float zi0 = ref MemoryMarshal.GetArrayDataReference(_tmpIm);
        float halfScaled = 0.5f / m;
        int k = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var half = Vector256.Create(halfScaled);
            var reverse = Vector256.Create(7, 6, 5, 4, 3, 2, 1, 0);
            for (; k + 8 <= m; k += 8)
            {
                nuint kk = (nuint)k, mirror = (nuint)(m - k - 7);
                var xr = Vector256.LoadUnsafe(ref xr0, kk);
                var xi = Vector256.LoadUnsafe(ref xi0, kk);
                var cr = Vector256.Shuffle(Vector256.LoadUnsafe(ref xr0, mirror), reverse);
                var ci = Vector256.Shuffle(Vector256.LoadUnsafe(ref xi0, mirror), reverse);
                var wr = Vector256.LoadUnsafe(ref wc, kk);
                var wi = Vector256.LoadUnsafe(ref ws, kk); // W^{−k} = wr − i·wi
                var er = (xr + cr) * half;
                var ei = (xi - ci) * half;
                var dr = (xr - cr) * half;
                var di = (xi + ci) * half;
                var or = dr * wr + di * wi;
                var oi = di * wr - dr * wi;
                (er - oi).StoreUnsafe(ref zr0, kk);
                (ei + or).StoreUnsafe(ref zi0, kk);
            }
        }
        for (; k < m; k++)
        {
            float xr = Unsafe.Add(ref xr0, k), xi = Unsafe.Add(ref xi0, k);
            float cr = Unsafe.Add(ref xr0, m - k), ci = Unsafe.Add(ref xi0, m - k);
            float er = halfScaled * (xr + cr), ei = halfScaled * (xi - ci);
            float dr = halfScaled * (xr - cr), di = halfScaled * (xi + ci);
            float wr = Unsafe.Add(ref wc, k), wi = Unsafe.Add(ref ws, k);
            float or = dr * wr + di * wi, oi = di * wr - dr * wi;
            Unsafe.Add(ref zr0, k) = er - oi;
            Unsafe.Add(ref zi0, k) = ei + or;
        }
    }
}
