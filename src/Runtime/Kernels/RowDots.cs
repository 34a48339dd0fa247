using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace DeepGen.Kernels;

/// <summary>
/// C += A * B^T for row-major A [m, k] and B [n, k]: every entry a dot product of two contiguous rows. For
/// products with a tiny m x n and a long k (the weight gradient of a convolution with few input channels),
/// where a packing GEMM would spend more time packing the long operands than multiplying. Blocks of 4 rows
/// of A by 3 rows of B share their loads across 12 vector accumulators.
/// </summary>
internal static class RowDots
{
    const int BlockM = 4, BlockN = 3;

    public static void Accumulate<T>(int m, int n, int k, T[] a, int offA, int lda, T[] b, int offB, int ldb, T[] c, int offC, int ldc)
        where T : unmanaged, INumber<T>
    {
        int i = 0;
        for (; i <= m - BlockM; i += BlockM)
        {
            int j = 0;
            for (; j <= n - BlockN; j += BlockN) Block(k, a, offA + i * lda, lda, b, offB + j * ldb, ldb, c, offC + i * ldc + j, ldc);
            for (; j < n; j++)
                for (int r = i; r < i + BlockM; r++) c[offC + r * ldc + j] += Dot<T>(a.AsSpan(offA + r * lda, k), b.AsSpan(offB + j * ldb, k));
        }
        for (; i < m; i++)
            for (int j = 0; j < n; j++) c[offC + i * ldc + j] += Dot<T>(a.AsSpan(offA + i * lda, k), b.AsSpan(offB + j * ldb, k));
    }

    /// <summary>The 4 x 3 block of dot products of A rows at offA and B rows at offB, added onto C.</summary>
    static void Block<T>(int k, T[] a, int offA, int lda, T[] b, int offB, int ldb, T[] c, int offC, int ldc) where T : unmanaged, INumber<T>
    {
        // the bounds checks: every row read below lies inside these spans
        var aRows = a.AsSpan(offA, 3 * lda + k);
        var bRows = b.AsSpan(offB, 2 * ldb + k);
        ref T a0 = ref MemoryMarshal.GetReference(aRows);
        ref T a1 = ref Unsafe.Add(ref a0, lda);
        ref T a2 = ref Unsafe.Add(ref a0, 2 * lda);
        ref T a3 = ref Unsafe.Add(ref a0, 3 * lda);
        ref T b0 = ref MemoryMarshal.GetReference(bRows);
        ref T b1 = ref Unsafe.Add(ref b0, ldb);
        ref T b2 = ref Unsafe.Add(ref b0, 2 * ldb);
        Vector<T> s00 = default, s01 = default, s02 = default, s10 = default, s11 = default, s12 = default;
        Vector<T> s20 = default, s21 = default, s22 = default, s30 = default, s31 = default, s32 = default;
        int p = 0, w = Vector<T>.Count;
        for (; p <= k - w; p += w)
        {
            var u = (nuint)p;
            var v0 = Vector.LoadUnsafe(ref b0, u);
            var v1 = Vector.LoadUnsafe(ref b1, u);
            var v2 = Vector.LoadUnsafe(ref b2, u);
            var x = Vector.LoadUnsafe(ref a0, u);
            s00 += x * v0;
            s01 += x * v1;
            s02 += x * v2;
            x = Vector.LoadUnsafe(ref a1, u);
            s10 += x * v0;
            s11 += x * v1;
            s12 += x * v2;
            x = Vector.LoadUnsafe(ref a2, u);
            s20 += x * v0;
            s21 += x * v1;
            s22 += x * v2;
            x = Vector.LoadUnsafe(ref a3, u);
            s30 += x * v0;
            s31 += x * v1;
            s32 += x * v2;
        }
        Span<T> sums =
        [
            Vector.Sum(s00), Vector.Sum(s01), Vector.Sum(s02), Vector.Sum(s10), Vector.Sum(s11), Vector.Sum(s12),
            Vector.Sum(s20), Vector.Sum(s21), Vector.Sum(s22), Vector.Sum(s30), Vector.Sum(s31), Vector.Sum(s32),
        ];
        for (int r = 0; r < BlockM; r++)
            for (int col = 0; col < BlockN; col++)
            {
                T sum = sums[r * BlockN + col];
                for (int q = p; q < k; q++) sum += aRows[r * lda + q] * bRows[col * ldb + q];
                c[offC + r * ldc + col] += sum;
            }
    }

    static T Dot<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y) where T : unmanaged, INumber<T>
    {
        int p = 0, w = Vector<T>.Count;
        var acc = Vector<T>.Zero;
        for (; p <= x.Length - w; p += w) acc += new Vector<T>(x[p..]) * new Vector<T>(y[p..]);
        T sum = Vector.Sum(acc);
        for (; p < x.Length; p++) sum += x[p] * y[p];
        return sum;
    }
}
