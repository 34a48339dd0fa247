using System.Numerics;
using System.Runtime.Intrinsics;

namespace DeepGen.Kernels;

/// <summary>A matrix inside a flat array: element (i, j) is at Offset + i * RowStride + j * ColStride.</summary>
internal readonly record struct MatrixRef<T>(T[] Data, int Offset, int RowStride, int ColStride)
{
    public T this[int i, int j] => Data[Offset + i * RowStride + j * ColStride];

    /// <summary>A row-major matrix with leading dimension <paramref name="ld"/>, or its transpose read in place.</summary>
    public static MatrixRef<T> RowMajor(T[] data, int offset, int ld, bool transposed) =>
        transposed ? new(data, offset, 1, ld) : new(data, offset, ld, 1);

    public MatrixRef<T> Transposed => new(Data, Offset, ColStride, RowStride);
}

/// <summary>
/// General matrix multiply, C = alpha * A * B + beta * C, with C row-major (unit column stride, row stride
/// ldc) and A, B read through arbitrary strides, so transposed operands cost no copy. As in BLAS, beta = 0
/// means C's old contents are ignored (not multiplied, so NaNs there do not leak through).
/// </summary>
internal static class Gemm
{
    /// <summary>BLAS-style entry: op(A) is m x k, op(B) is k x n, each stored row-major with its leading dimension.</summary>
    public static void Run<T>(bool transA, bool transB, int m, int n, int k, T alpha, T[] a, int offA, int lda,
        T[] b, int offB, int ldb, T beta, T[] c, int offC, int ldc, bool parallel = true, GemmEpilogue<T> epilogue = default)
        where T : unmanaged, INumber<T> =>
        Run(m, n, k, alpha, MatrixRef<T>.RowMajor(a, offA, lda, transA), MatrixRef<T>.RowMajor(b, offB, ldb, transB), beta, c, offC, ldc,
            parallel, epilogue);

    /// <summary>
    /// C (m x n at offC, row stride ldc) = alpha * A (m x k) * B (k x n) + beta * C, then the
    /// <paramref name="epilogue"/> (bias per column, ReLU) on each element of C.
    /// </summary>
    public static void Run<T>(int m, int n, int k, T alpha, MatrixRef<T> a, MatrixRef<T> b, T beta, T[] c, int offC, int ldc, bool parallel = true,
        GemmEpilogue<T> epilogue = default)
        where T : unmanaged, INumber<T>
    {
        if (m == 0 || n == 0) return;
        if (k == 0 || alpha == T.Zero)
            Scale(c, offC, ldc, m, n, beta);
        else if (typeof(T) != typeof(float) && typeof(T) != typeof(double))
            Naive(m, n, k, alpha, a, b, beta, c, offC, ldc);
        // a matrix-vector product would waste most of a register tile: stream it instead
        else if (n == 1)
            Gemv(m, k, alpha, a, b.Data, b.Offset, b.RowStride, beta, c, offC, ldc);
        else if (m == 1)
            Gemv(n, k, alpha, b.Transposed, a.Data, a.Offset, a.ColStride, beta, c, offC, 1);
        else
        {
            parallel &= Parallelism.Worthwhile((long)m * n * k);
            if (Simd512<T>.IsSupported)
                GemmBlocked<Simd512<T>, Vector512<T>, T>.Run(m, n, k, alpha, a, b, beta, c, offC, ldc, parallel, epilogue);
            else if (Simd256<T>.IsSupported)
                GemmBlocked<Simd256<T>, Vector256<T>, T>.Run(m, n, k, alpha, a, b, beta, c, offC, ldc, parallel, epilogue);
            else
                GemmBlocked<SimdPortable<T>, Vector<T>, T>.Run(m, n, k, alpha, a, b, beta, c, offC, ldc, parallel, epilogue);
            return;
        }
        epilogue.Apply(c, offC, ldc, m, n);
    }

    /// <summary>C = beta * C, where beta = 0 clears C.</summary>
    static void Scale<T>(T[] c, int offC, int ldc, int m, int n, T beta) where T : unmanaged, INumber<T>
    {
        if (beta == T.One) return;
        for (int i = 0; i < m; i++)
        {
            var row = c.AsSpan(offC + i * ldc, n);
            if (beta == T.Zero) row.Clear();
            else
                for (int j = 0; j < n; j++) row[j] *= beta;
        }
    }

    /// <summary>The plain triple loop: for integer matmul, which PyTorch also does without BLAS.</summary>
    static void Naive<T>(int m, int n, int k, T alpha, MatrixRef<T> a, MatrixRef<T> b, T beta, T[] c, int offC, int ldc)
        where T : unmanaged, INumber<T>
    {
        var ad = a.Data;
        var bd = b.Data;
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                T sum = T.Zero;
                int ia = a.Offset + i * a.RowStride, ib = b.Offset + j * b.ColStride;
                for (int p = 0; p < k; p++, ia += a.ColStride, ib += b.RowStride) sum += ad[ia] * bd[ib];
                ref T target = ref c[offC + i * ldc + j];
                target = beta == T.Zero ? alpha * sum : alpha * sum + beta * target;
            }
    }

    /// <summary>y (stride incY) = alpha * M (rows x cols) * x (stride incX) + beta * y.</summary>
    static void Gemv<T>(int rows, int cols, T alpha, MatrixRef<T> mat, T[] x, int offX, int incX, T beta, T[] y, int offY, int incY)
        where T : unmanaged, INumber<T>
    {
        var md = mat.Data;
        if (mat.ColStride == 1 && incX == 1)
        {
            // rows are contiguous: one dot product each
            GemvRows.Run(rows, cols, alpha, md, mat.Offset, mat.RowStride, x, offX, beta, y, offY, incY);
            return;
        }
        if (mat.RowStride == 1 && incY == 1)
        {
            // columns are contiguous: y accumulates one scaled column at a time
            var ys = y.AsSpan(offY, rows);
            if (beta == T.Zero) ys.Clear();
            else if (beta != T.One)
                for (int i = 0; i < rows; i++) ys[i] *= beta;
            for (int p = 0; p < cols; p++)
                Axpy(alpha * x[offX + p * incX], md.AsSpan(mat.Offset + p * mat.ColStride, rows), ys);
            return;
        }
        for (int i = 0; i < rows; i++)
        {
            T dot = T.Zero;
            int im = mat.Offset + i * mat.RowStride, ix = offX;
            for (int p = 0; p < cols; p++, im += mat.ColStride, ix += incX) dot += md[im] * x[ix];
            ref T target = ref y[offY + i * incY];
            target = beta == T.Zero ? alpha * dot : alpha * dot + beta * target;
        }
    }

    /// <summary>y += alpha * x.</summary>
    static void Axpy<T>(T alpha, ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, INumber<T>
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated && x.Length >= Vector<T>.Count)
        {
            var va = new Vector<T>(alpha);
            for (; i <= x.Length - Vector<T>.Count; i += Vector<T>.Count)
                (new Vector<T>(y[i..]) + va * new Vector<T>(x[i..])).CopyTo(y[i..]);
        }
        for (; i < x.Length; i++) y[i] += alpha * x[i];
    }
}
