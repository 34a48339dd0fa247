using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace DeepGen.Kernels;

/// <summary>
/// Softmax and log-softmax of float32 over contiguous rows (the last dim), forward and backward: vectorised,
/// each row's passes running while the row is in L1 (so memory sees one read of the input and one write of
/// the output), rows split over threads when big. Sums are float vectors (16 partial sums per row).
/// </summary>
internal static class SoftmaxRowsFloat
{
    static int W => Vector512<float>.Count;

    public static void Forward(float[] x, int offX, float[] y, int offY, int rows, int size, bool log)
    {
        _ = x.AsSpan(offX, rows * size);
        _ = y.AsSpan(offY, rows * size);
        RowChunks.For(RowChunks.Count(rows, size), rows, (_, first, end) =>
        {
            for (int r = first; r < end; r++) Row(ref x[offX + r * size], ref y[offY + r * size], size, log);
        });
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void Row(ref float x, ref float y, int n, bool log)
    {
        // NaN if the row holds one, so the row's softmax is NaN, as PyTorch's
        float max = RowMax.Of(ref x, n);
        var vmax = Vector512.Create(max);
        var sums = Vector512<float>.Zero;
        float tail = 0;
        int j = 0;
        for (; j + W <= n; j += W)
        {
            var e = FloatExp.OfNonPositive(Vector512.LoadUnsafe(ref x, (nuint)j) - vmax);
            sums += e;
            if (!log) e.StoreUnsafe(ref y, (nuint)j);
        }
        for (; j < n; j++)
        {
            float e = FloatExp.OfNonPositive(Unsafe.Add(ref x, j) - max);
            tail += e;
            if (!log) Unsafe.Add(ref y, j) = e;
        }
        float sum = Vector512.Sum(sums) + tail;
        if (log)
        {
            // (x - max) - log(sum): subtracting max + log(sum) at once would round away log(sum)'s low bits when max is large
            float logSum = MathF.Log(sum);
            var vlogSum = Vector512.Create(logSum);
            for (j = 0; j + W <= n; j += W) (Vector512.LoadUnsafe(ref x, (nuint)j) - vmax - vlogSum).StoreUnsafe(ref y, (nuint)j);
            for (; j < n; j++) Unsafe.Add(ref y, j) = Unsafe.Add(ref x, j) - max - logSum;
            return;
        }
        float scale = 1 / sum;
        var vscale = Vector512.Create(scale);
        for (j = 0; j + W <= n; j += W) (Vector512.LoadUnsafe(ref y, (nuint)j) * vscale).StoreUnsafe(ref y, (nuint)j);
        for (; j < n; j++) Unsafe.Add(ref y, j) *= scale;
    }

    /// <summary>Softmax: gx = y * (g - sum(g * y)); log-softmax: gx = g - exp(y) * sum(g), per row.</summary>
    public static void Backward(float[] y, int offY, float[] g, int offG, float[] gx, int rows, int size, bool log)
    {
        _ = y.AsSpan(offY, rows * size);
        _ = g.AsSpan(offG, rows * size);
        _ = gx.AsSpan(0, rows * size);
        RowChunks.For(RowChunks.Count(rows, size), rows, (_, first, end) =>
        {
            for (int r = first; r < end; r++) BackwardRow(ref y[offY + r * size], ref g[offG + r * size], ref gx[r * size], size, log);
        });
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void BackwardRow(ref float y, ref float g, ref float gx, int n, bool log)
    {
        var acc = Vector512<float>.Zero;
        float tail = 0;
        int j = 0;
        for (; j + W <= n; j += W)
        {
            var gv = Vector512.LoadUnsafe(ref g, (nuint)j);
            acc = log ? acc + gv : Vector512.FusedMultiplyAdd(gv, Vector512.LoadUnsafe(ref y, (nuint)j), acc);
        }
        for (; j < n; j++) tail += log ? Unsafe.Add(ref g, j) : Unsafe.Add(ref g, j) * Unsafe.Add(ref y, j);
        float dot = Vector512.Sum(acc) + tail;
        var vdot = Vector512.Create(dot);
        for (j = 0; j + W <= n; j += W)
        {
            var gv = Vector512.LoadUnsafe(ref g, (nuint)j);
            var yv = Vector512.LoadUnsafe(ref y, (nuint)j);
            var r = log ? gv - FloatExp.OfNonPositive(yv) * vdot : yv * (gv - vdot);
            r.StoreUnsafe(ref gx, (nuint)j);
        }
        for (; j < n; j++)
        {
            float gv = Unsafe.Add(ref g, j), yv = Unsafe.Add(ref y, j);
            Unsafe.Add(ref gx, j) = log ? gv - FloatExp.OfNonPositive(yv) * dot : yv * (gv - dot);
        }
    }
}
