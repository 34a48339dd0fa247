using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace DeepGen.Kernels;

/// <summary>
/// y[i] = alpha * (row i of M) · x + beta * y[i] for a matrix with contiguous rows: a matrix-vector product
/// such as Linear at batch 1 (a weight row per output). Four rows go together so each load of x serves four
/// independent FMA chains; big products are split over threads by rows, mid-sized ones (a batch-1 Linear
/// of a few hundred thousand weights) in two halves, which <see cref="WorkerTeam"/> runs on two cores when a
/// helper is awake (back-to-back layers), so each core's half of the weights can stay in its cache from
/// call to call.
/// </summary>
internal static class GemvRows
{
    const int Rows = 4;

    /// <summary>Multiply-adds from which a product is split in two halves.</summary>
    const long PairWork = 1 << 15;

    public static void Run<T>(int rows, int cols, T alpha, T[] m, int offM, int ldm, T[] x, int offX, T beta, T[] y, int offY, int incY)
        where T : unmanaged, INumber<T>
    {
        // the bounds checks for every read below
        _ = m.AsSpan(offM + (rows - 1) * ldm, cols);
        _ = x.AsSpan(offX, cols);
        _ = y.AsSpan(offY + (rows - 1) * incY, 1);
        int groups = (rows + Rows - 1) / Rows;
        int chunks = Parallelism.Worthwhile((long)rows * cols) ? Math.Min(groups, 4 * Parallelism.Workers) : 1;
        if (chunks > 1)
            WorkerTeam.For(chunks, chunk =>
                Range(groups * chunk / chunks * Rows, Math.Min(rows, groups * (chunk + 1) / chunks * Rows), cols, alpha, m, offM, ldm, x, offX, beta, y, offY, incY));
        else if (WorkerTeam.Available && groups >= 8 && (long)rows * cols >= PairWork)
        {
            int middle = groups / 2 * Rows;
            WorkerTeam.For(2, half =>
            {
                if (half == 0) Range(0, middle, cols, alpha, m, offM, ldm, x, offX, beta, y, offY, incY);
                else Range(middle, rows, cols, alpha, m, offM, ldm, x, offX, beta, y, offY, incY);
            });
        }
        else
            Range(0, rows, cols, alpha, m, offM, ldm, x, offX, beta, y, offY, incY);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void Range<T>(int first, int end, int cols, T alpha, T[] m, int offM, int ldm, T[] x, int offX, T beta, T[] y, int offY, int incY)
        where T : unmanaged, INumber<T>
    {
        ref T xs = ref x[offX];
        int i = first;
        for (; i + Rows <= end; i += Rows)
        {
            ref T r0 = ref m[offM + i * ldm];
            Dot4(cols, ref r0, ldm, ref xs, out T d0, out T d1, out T d2, out T d3);
            Store(ref y[offY + i * incY], alpha, d0, beta);
            Store(ref y[offY + (i + 1) * incY], alpha, d1, beta);
            Store(ref y[offY + (i + 2) * incY], alpha, d2, beta);
            Store(ref y[offY + (i + 3) * incY], alpha, d3, beta);
        }
        for (; i < end; i++) Store(ref y[offY + i * incY], alpha, Dot(cols, ref m[offM + i * ldm], ref xs), beta);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Store<T>(ref T target, T alpha, T dot, T beta) where T : unmanaged, INumber<T> =>
        target = beta == T.Zero ? alpha * dot : alpha * dot + beta * target;

    static void Dot4<T>(int n, ref T r0, int ld, ref T x, out T d0, out T d1, out T d2, out T d3) where T : unmanaged, INumber<T>
    {
        ref T r1 = ref Unsafe.Add(ref r0, ld);
        ref T r2 = ref Unsafe.Add(ref r0, 2 * ld);
        ref T r3 = ref Unsafe.Add(ref r0, 3 * ld);
        var s0 = Vector512<T>.Zero; var s1 = s0; var s2 = s0; var s3 = s0;
        int w = Vector512<T>.Count, p = 0;
        for (; p + w <= n; p += w)
        {
            var xv = Vector512.LoadUnsafe(ref x, (nuint)p);
            s0 = Fma(Vector512.LoadUnsafe(ref r0, (nuint)p), xv, s0);
            s1 = Fma(Vector512.LoadUnsafe(ref r1, (nuint)p), xv, s1);
            s2 = Fma(Vector512.LoadUnsafe(ref r2, (nuint)p), xv, s2);
            s3 = Fma(Vector512.LoadUnsafe(ref r3, (nuint)p), xv, s3);
        }
        d0 = Vector512.Sum(s0); d1 = Vector512.Sum(s1); d2 = Vector512.Sum(s2); d3 = Vector512.Sum(s3);
        for (; p < n; p++)
        {
            T xp = Unsafe.Add(ref x, p);
            d0 += Unsafe.Add(ref r0, p) * xp;
            d1 += Unsafe.Add(ref r1, p) * xp;
            d2 += Unsafe.Add(ref r2, p) * xp;
            d3 += Unsafe.Add(ref r3, p) * xp;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector512<T> Fma<T>(Vector512<T> a, Vector512<T> b, Vector512<T> addend) where T : unmanaged, INumber<T>
    {
        if (typeof(T) == typeof(float)) return Vector512.FusedMultiplyAdd(a.AsSingle(), b.AsSingle(), addend.AsSingle()).As<float, T>();
        if (typeof(T) == typeof(double)) return Vector512.FusedMultiplyAdd(a.AsDouble(), b.AsDouble(), addend.AsDouble()).As<double, T>();
        return a * b + addend;
    }

    static T Dot<T>(int n, ref T r, ref T x) where T : unmanaged, INumber<T>
    {
        var s = Vector512<T>.Zero;
        int w = Vector512<T>.Count, p = 0;
        for (; p + w <= n; p += w) s = Fma(Vector512.LoadUnsafe(ref r, (nuint)p), Vector512.LoadUnsafe(ref x, (nuint)p), s);
        T d = Vector512.Sum(s);
        for (; p < n; p++) d += Unsafe.Add(ref r, p) * Unsafe.Add(ref x, p);
        return d;
    }
}
