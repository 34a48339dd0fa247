using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace DeepGen.Kernels;

/// <summary>
/// Layer normalisation of float32 rows, forward and backward, vectorised and split over threads by rows.
/// Each row's passes (mean, variance about the mean, output) run while it is in L1, so memory sees one
/// read and one write. Row statistics go to double arrays, as the general kernel's do.
/// The weight and bias gradients are summed per chunk of rows in float, the chunks then in double.
/// </summary>
internal static class LayerNormRowsFloat
{
    static int W => Vector512<float>.Count;

    /// <summary>A float array and the index where the data starts; a null array means the operand is absent.</summary>
    public readonly record struct Operand(float[]? Array, int Offset)
    {
        /// <summary>Throws unless the operand is absent or holds <paramref name="length"/> elements from its offset.</summary>
        public void Check(int length)
        {
            if (Array is not null) _ = Array.AsSpan(Offset, length);
        }
    }

    public static void Forward(float[] x, int offX, Operand weight, Operand bias, float[] y, int rows, int d, double eps, double[] mean, double[] rstd)
    {
        _ = x.AsSpan(offX, rows * d);
        _ = y.AsSpan(0, rows * d);
        weight.Check(d);
        bias.Check(d);
        RowChunks.For(RowChunks.Count(rows, d), rows, (_, first, end) =>
        {
            for (int r = first; r < end; r++)
            {
                ref float row = ref x[offX + r * d];
                float m = Sum(ref row, d) / d;
                float variance = SquaredDeviations(ref row, d, m) / d;
                float s = 1 / MathF.Sqrt(variance + (float)eps);
                mean[r] = m;
                rstd[r] = s;
                Normalise(ref row, ref y[r * d], d, m, s, weight, bias);
            }
        });
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static float Sum(ref float x, int n)
    {
        var acc = Vector512<float>.Zero;
        int j = 0;
        for (; j + W <= n; j += W) acc += Vector512.LoadUnsafe(ref x, (nuint)j);
        float sum = Vector512.Sum(acc);
        for (; j < n; j++) sum += Unsafe.Add(ref x, j);
        return sum;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static float SquaredDeviations(ref float x, int n, float mean)
    {
        var acc = Vector512<float>.Zero;
        var vm = Vector512.Create(mean);
        int j = 0;
        for (; j + W <= n; j += W)
        {
            var dev = Vector512.LoadUnsafe(ref x, (nuint)j) - vm;
            acc = Vector512.FusedMultiplyAdd(dev, dev, acc);
        }
        float sum = Vector512.Sum(acc);
        for (; j < n; j++)
        {
            float dev = Unsafe.Add(ref x, j) - mean;
            sum += dev * dev;
        }
        return sum;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void Normalise(ref float x, ref float y, int n, float mean, float rstd, Operand weight, Operand bias)
    {
        var vm = Vector512.Create(mean);
        var vs = Vector512.Create(rstd);
        ref float w = ref weight.Array is null ? ref Unsafe.NullRef<float>() : ref weight.Array[weight.Offset];
        ref float b = ref bias.Array is null ? ref Unsafe.NullRef<float>() : ref bias.Array[bias.Offset];
        bool hasW = weight.Array is not null, hasB = bias.Array is not null;
        int j = 0;
        for (; j + W <= n; j += W)
        {
            var v = (Vector512.LoadUnsafe(ref x, (nuint)j) - vm) * vs;
            if (hasW) v *= Vector512.LoadUnsafe(ref w, (nuint)j);
            if (hasB) v += Vector512.LoadUnsafe(ref b, (nuint)j);
            v.StoreUnsafe(ref y, (nuint)j);
        }
        for (; j < n; j++)
        {
            float v = (Unsafe.Add(ref x, j) - mean) * rstd;
            if (hasW) v *= Unsafe.Add(ref w, j);
            if (hasB) v += Unsafe.Add(ref b, j);
            Unsafe.Add(ref y, j) = v;
        }
    }

    /// <summary>
    /// With xhat = (x - mean) * rstd and dxhat = g * w: dx = rstd * (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat)),
    /// dw = sum over rows of g * xhat, db = sum of g. A null output array is not computed.
    /// </summary>
    public static void Backward(float[] x, int offX, Operand weight, float[] g, int offG, int rows, int d, double[] mean, double[] rstd,
        float[]? dx, float[]? dweight, float[]? dbias)
    {
        _ = x.AsSpan(offX, rows * d);
        _ = g.AsSpan(offG, rows * d);
        if (dx is not null) _ = dx.AsSpan(0, rows * d);
        weight.Check(d);
        int chunks = RowChunks.Count(rows, d);
        var dwParts = dweight is null ? null : new float[chunks * d];
        var dbParts = dbias is null ? null : new float[chunks * d];
        RowChunks.For(chunks, rows, (chunk, first, end) =>
        {
            ref float dw = ref dwParts is null ? ref Unsafe.NullRef<float>() : ref dwParts[chunk * d];
            ref float db = ref dbParts is null ? ref Unsafe.NullRef<float>() : ref dbParts[chunk * d];
            for (int r = first; r < end; r++)
            {
                ref float dxRow = ref dx is null ? ref Unsafe.NullRef<float>() : ref dx[r * d];
                BackwardRow(ref x[offX + r * d], ref g[offG + r * d], d, (float)mean[r], (float)rstd[r], weight, ref dxRow, ref dw, ref db);
            }
        });
        if (dweight is not null) SumParts(dwParts!, chunks, d, dweight);
        if (dbias is not null) SumParts(dbParts!, chunks, d, dbias);
    }

    static void SumParts(float[] parts, int chunks, int d, float[] total)
    {
        for (int j = 0; j < d; j++)
        {
            double sum = 0;
            for (int c = 0; c < chunks; c++) sum += parts[c * d + j];
            total[j] = (float)sum;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void BackwardRow(ref float x, ref float g, int n, float mean, float rstd, Operand weight, ref float dx, ref float dw, ref float db)
    {
        bool hasW = weight.Array is not null;
        ref float w = ref hasW ? ref weight.Array![weight.Offset] : ref Unsafe.NullRef<float>();
        bool wantDx = !Unsafe.IsNullRef(ref dx), wantDw = !Unsafe.IsNullRef(ref dw), wantDb = !Unsafe.IsNullRef(ref db);
        var vm = Vector512.Create(mean);
        var vs = Vector512.Create(rstd);
        var sumDxhat = Vector512<float>.Zero;
        var sumDxhatXhat = Vector512<float>.Zero;
        float tailDxhat = 0, tailDxhatXhat = 0;
        int j = 0;
        for (; j + W <= n; j += W)
        {
            var xhat = (Vector512.LoadUnsafe(ref x, (nuint)j) - vm) * vs;
            var gv = Vector512.LoadUnsafe(ref g, (nuint)j);
            var dxhat = hasW ? gv * Vector512.LoadUnsafe(ref w, (nuint)j) : gv;
            sumDxhat += dxhat;
            sumDxhatXhat = Vector512.FusedMultiplyAdd(dxhat, xhat, sumDxhatXhat);
            if (wantDw) Vector512.FusedMultiplyAdd(gv, xhat, Vector512.LoadUnsafe(ref dw, (nuint)j)).StoreUnsafe(ref dw, (nuint)j);
            if (wantDb) (Vector512.LoadUnsafe(ref db, (nuint)j) + gv).StoreUnsafe(ref db, (nuint)j);
        }
        for (; j < n; j++)
        {
            float xhat = (Unsafe.Add(ref x, j) - mean) * rstd;
            float gv = Unsafe.Add(ref g, j);
            float dxhat = hasW ? gv * Unsafe.Add(ref w, j) : gv;
            tailDxhat += dxhat;
            tailDxhatXhat += dxhat * xhat;
            if (wantDw) Unsafe.Add(ref dw, j) += gv * xhat;
            if (wantDb) Unsafe.Add(ref db, j) += gv;
        }
        if (!wantDx) return;
        float a = (Vector512.Sum(sumDxhat) + tailDxhat) / n, b = (Vector512.Sum(sumDxhatXhat) + tailDxhatXhat) / n;
        var va = Vector512.Create(a);
        var vb = Vector512.Create(b);
        for (j = 0; j + W <= n; j += W)
        {
            var xhat = (Vector512.LoadUnsafe(ref x, (nuint)j) - vm) * vs;
            var gv = Vector512.LoadUnsafe(ref g, (nuint)j);
            var dxhat = hasW ? gv * Vector512.LoadUnsafe(ref w, (nuint)j) : gv;
            (vs * (dxhat - va - xhat * vb)).StoreUnsafe(ref dx, (nuint)j);
        }
        for (; j < n; j++)
        {
            float xhat = (Unsafe.Add(ref x, j) - mean) * rstd;
            float gv = Unsafe.Add(ref g, j);
            float dxhat = hasW ? gv * Unsafe.Add(ref w, j) : gv;
            Unsafe.Add(ref dx, j) = rstd * (dxhat - a - xhat * b);
        }
    }
}
