using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace RealtimeDenoise.Training.Nn;

/// <summary>
/// Register-blocked matrix products on row-major arrays, split across threads by blocks of output rows.
/// Every output element is summed by one thread over k in increasing order with the same lane
/// arithmetic whatever the split, so results are bit-identical for any thread count.
/// </summary>
internal static class Gemm
{
    private const int RowBlock = 4;

    /// <summary>C[M,N] (+)= A[M,K]·B[K,N].</summary>
    public static void MultiplyNN<T>(T[] a, T[] b, T[] c, int m, int k, int n, bool accumulate, int threads)
        where T : unmanaged, INumber<T> =>
        Run(a, b, c, m, k, n, accumulate, threads, transposeA: false);

    /// <summary>C[M,N] (+)= Aᵀ·B with A stored as [K,M] and B as [K,N] (the weight gradient dYᵀ·X).</summary>
    public static void MultiplyTN<T>(T[] a, T[] b, T[] c, int m, int k, int n, bool accumulate, int threads)
        where T : unmanaged, INumber<T> =>
        Run(a, b, c, m, k, n, accumulate, threads, transposeA: true);

    /// <summary>dst[N,M] = srcᵀ for src [M,N].</summary>
    public static void Transpose<T>(T[] src, T[] dst, int m, int n)
    {
        const int tile = 32;
        for (int i0 = 0; i0 < m; i0 += tile)
            for (int j0 = 0; j0 < n; j0 += tile)
            {
                int i1 = Math.Min(i0 + tile, m), j1 = Math.Min(j0 + tile, n);
                for (int i = i0; i < i1; i++)
                    for (int j = j0; j < j1; j++)
                        dst[j * m + i] = src[i * n + j];
            }
    }

    private static void Run<T>(T[] a, T[] b, T[] c, int m, int k, int n, bool accumulate, int threads, bool transposeA)
        where T : unmanaged, INumber<T>
    {
        int blocks = (m + RowBlock - 1) / RowBlock;
        // Enough work per task to amortise scheduling: roughly ≥ 64k multiply-adds.
        int parts = Math.Min(Math.Max(1, threads), Math.Max(1, (int)Math.Min(blocks, (long)m * k * n / 65536)));
        if (parts <= 1)
        {
            RowRange(a, b, c, 0, m, m, k, n, accumulate, transposeA);
            return;
        }
        int blocksPerPart = (blocks + parts - 1) / parts;
        Parallel.For(0, parts, new ParallelOptions { MaxDegreeOfParallelism = parts }, p =>
        {
            int r0 = p * blocksPerPart * RowBlock, r1 = Math.Min(m, r0 + blocksPerPart * RowBlock);
            if (r0 < r1) RowRange(a, b, c, r0, r1, m, k, n, accumulate, transposeA);
        });
    }

    private static void RowRange<T>(T[] aArr, T[] bArr, T[] cArr, int r0, int r1, int m, int k, int n, bool accumulate, bool transposeA)
        where T : unmanaged, INumber<T>
    {
        int w = Vector<T>.Count;
        ref T a = ref MemoryMarshal.GetArrayDataReference(aArr);
        ref T b = ref MemoryMarshal.GetArrayDataReference(bArr);
        ref T c = ref MemoryMarshal.GetArrayDataReference(cArr);
        // A element (row, kk): [row·K + kk] normally, [kk·M + row] when transposed.
        nint rowStride = transposeA ? 1 : k, kStride = transposeA ? m : 1;
        int r = r0;
        for (; r + RowBlock <= r1; r += RowBlock)
        {
            ref T a0 = ref Unsafe.Add(ref a, r * rowStride);
            ref T a1 = ref Unsafe.Add(ref a0, rowStride);
            ref T a2 = ref Unsafe.Add(ref a1, rowStride);
            ref T a3 = ref Unsafe.Add(ref a2, rowStride);
            ref T c0 = ref Unsafe.Add(ref c, r * n);
            ref T c1 = ref Unsafe.Add(ref c0, n);
            ref T c2 = ref Unsafe.Add(ref c1, n);
            ref T c3 = ref Unsafe.Add(ref c2, n);
            int j = 0;
            for (; j + 2 * w <= n; j += 2 * w)
            {
                Vector<T> s00 = default, s01 = default, s10 = default, s11 = default, s20 = default, s21 = default, s30 = default, s31 = default;
                for (int kk = 0; kk < k; kk++)
                {
                    ref T brow = ref Unsafe.Add(ref b, kk * n + j);
                    var b0 = Vector.LoadUnsafe(ref brow);
                    var b1 = Vector.LoadUnsafe(ref brow, (nuint)w);
                    nint ai = kk * kStride;
                    var x0 = new Vector<T>(Unsafe.Add(ref a0, ai));
                    var x1 = new Vector<T>(Unsafe.Add(ref a1, ai));
                    var x2 = new Vector<T>(Unsafe.Add(ref a2, ai));
                    var x3 = new Vector<T>(Unsafe.Add(ref a3, ai));
                    s00 += x0 * b0; s01 += x0 * b1;
                    s10 += x1 * b0; s11 += x1 * b1;
                    s20 += x2 * b0; s21 += x2 * b1;
                    s30 += x3 * b0; s31 += x3 * b1;
                }
                Store(ref c0, j, s00, accumulate); Store(ref c0, j + w, s01, accumulate);
                Store(ref c1, j, s10, accumulate); Store(ref c1, j + w, s11, accumulate);
                Store(ref c2, j, s20, accumulate); Store(ref c2, j + w, s21, accumulate);
                Store(ref c3, j, s30, accumulate); Store(ref c3, j + w, s31, accumulate);
            }
            for (; j + w <= n; j += w)
            {
                Vector<T> s0 = default, s1 = default, s2 = default, s3 = default;
                for (int kk = 0; kk < k; kk++)
                {
                    var bv = Vector.LoadUnsafe(ref Unsafe.Add(ref b, kk * n + j));
                    nint ai = kk * kStride;
                    s0 += new Vector<T>(Unsafe.Add(ref a0, ai)) * bv;
                    s1 += new Vector<T>(Unsafe.Add(ref a1, ai)) * bv;
                    s2 += new Vector<T>(Unsafe.Add(ref a2, ai)) * bv;
                    s3 += new Vector<T>(Unsafe.Add(ref a3, ai)) * bv;
                }
                Store(ref c0, j, s0, accumulate); Store(ref c1, j, s1, accumulate);
                Store(ref c2, j, s2, accumulate); Store(ref c3, j, s3, accumulate);
            }
            for (; j < n; j++)
            {
                ScalarColumn(ref a0, ref b, ref c0, j, k, n, kStride, accumulate);
                ScalarColumn(ref a1, ref b, ref c1, j, k, n, kStride, accumulate);
                ScalarColumn(ref a2, ref b, ref c2, j, k, n, kStride, accumulate);
                ScalarColumn(ref a3, ref b, ref c3, j, k, n, kStride, accumulate);
            }
        }
        for (; r < r1; r++)
        {
            ref T a0 = ref Unsafe.Add(ref a, r * rowStride);
            ref T c0 = ref Unsafe.Add(ref c, r * n);
            int j = 0;
            for (; j + w <= n; j += w)
            {
                Vector<T> s0 = default;
                for (int kk = 0; kk < k; kk++)
                    s0 += new Vector<T>(Unsafe.Add(ref a0, kk * kStride)) * Vector.LoadUnsafe(ref Unsafe.Add(ref b, kk * n + j));
                Store(ref c0, j, s0, accumulate);
            }
            for (; j < n; j++) ScalarColumn(ref a0, ref b, ref c0, j, k, n, kStride, accumulate);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store<T>(ref T row, int j, Vector<T> sum, bool accumulate) where T : unmanaged, INumber<T>
    {
        ref T dst = ref Unsafe.Add(ref row, j);
        if (accumulate) sum += Vector.LoadUnsafe(ref dst);
        sum.StoreUnsafe(ref dst);
    }

    private static void ScalarColumn<T>(ref T aRow, ref T b, ref T cRow, int j, int k, int n, nint kStride, bool accumulate)
        where T : unmanaged, INumber<T>
    {
        T s = T.Zero;
        for (int kk = 0; kk < k; kk++) s += Unsafe.Add(ref aRow, kk * kStride) * Unsafe.Add(ref b, kk * n + j);
        ref T dst = ref Unsafe.Add(ref cRow, j);
        dst = accumulate ? s + dst : s;
    }
}
