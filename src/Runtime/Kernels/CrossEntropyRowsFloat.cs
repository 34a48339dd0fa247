using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace DeepGen.Kernels;

/// <summary>
/// cross_entropy's common case in float32: logits [N, C] (no extra dims), no label smoothing. Per row one
/// vectorised max pass and one exp-sum pass for log-sum-exp, and in the backward one pass writing
/// w[t] * (softmax - onehot) scaled by the upstream gradient (reading each logit once: the forward saves
/// the row maxima); rows split over threads when big. Fills the same <see cref="ClassLoss"/> state (Lse,
/// TotalWeight) as the general kernel, and RowMax.
/// </summary>
internal static class CrossEntropyRowsFloat
{
    static int W => Vector512<float>.Count;

    public static bool Applies(ClassLoss loss) => loss.S == 1 && loss.FuseLogSoftmax && loss.Smoothing == 0 && loss.C > 0;

    /// <summary>Per-sample losses w[t] * (lse - x[t]), 0 for ignored targets.</summary>
    public static double[] Forward(ClassLoss loss, float[] x, int offX)
    {
        int n = loss.N, c = loss.C;
        _ = x.AsSpan(offX, n * c);
        var losses = new double[n];
        var lse = new double[n];
        var rowMax = new float[n];
        RowChunks.For(RowChunks.Count(n, c), n, (_, first, end) =>
        {
            for (int i = first; i < end; i++)
            {
                ref float row = ref x[offX + i * c];
                rowMax[i] = RowMax.Of(ref row, c);
                lse[i] = LogSumExp(ref row, c, rowMax[i]);
                long t = loss.Targets[i];
                if (t != loss.IgnoreIndex) losses[i] = loss.WeightOf(t) * (lse[i] - Unsafe.Add(ref row, (int)t));
            }
        });
        double total = 0;
        foreach (long t in loss.Targets)
            if (t != loss.IgnoreIndex) total += loss.WeightOf(t);
        loss.Lse = lse;
        loss.RowMax = rowMax;
        loss.TotalWeight = total;
        return losses;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static double LogSumExp(ref float x, int n, float max)
    {
        var vmax = Vector512.Create(max);
        var sums = Vector512<float>.Zero;
        float tail = 0;
        int j = 0;
        for (; j + W <= n; j += W)
        {
            // the next rows, while this one (in the cache since the max pass) keeps the arithmetic busy
            Prefetch.Ahead(ref Unsafe.Add(ref x, j));
            sums += FloatExp.OfNonPositive(Vector512.LoadUnsafe(ref x, (nuint)j) - vmax);
        }

        if (j < n && n >= W)
        {
            // the last W elements, counting only the lanes past j: one vector exp instead of one per element
            var last = FloatExp.OfNonPositive(Vector512.LoadUnsafe(ref x, (nuint)(n - W)) - vmax);
            var fresh = Vector512.GreaterThanOrEqual(Vector512<int>.Indices, Vector512.Create(j - (n - W))).AsSingle();
            sums += last & fresh;
            j = n;
        }

        for (; j < n; j++) tail += FloatExp.OfNonPositive(Unsafe.Add(ref x, j) - max);
        return max + Math.Log(Vector512.Sum(sums) + tail);
    }

    /// <summary>
    /// gradInput row i = scale[i] * w[t] * (softmax(x_i) - onehot(t)), zero for ignored targets; the weight
    /// gradient (when asked for) gets scale[i] * (lse - x[t]) - meanCorrection per sample, at its class.
    /// </summary>
    public static void Backward(ClassLoss loss, float[] x, int offX, double[] scale, float[]? gradInput, double[]? gradWeight, double meanCorrection)
    {
        int n = loss.N, c = loss.C;
        _ = x.AsSpan(offX, n * c);
        if (gradInput is not null)
        {
            _ = gradInput.AsSpan(0, n * c);
            bool streaming = (long)n * c * sizeof(float) >= StreamingBytes;
            RowChunks.For(RowChunks.Count(n, c), n, (_, first, end) => BackwardRows(loss, x, offX, scale, gradInput, first, end, streaming));
        }
        if (gradWeight is not null)
            for (int i = 0; i < n; i++)
            {
                long t = loss.Targets[i];
                if (t != loss.IgnoreIndex) gradWeight[t] += scale[i] * (loss.Lse[i] - x[offX + i * c + (int)t]) - meanCorrection;
            }
    }

    /// <summary>
    /// A gradient at least this big (bytes) is written with non-temporal stores: it cannot stay in the caches
    /// anyway, and ordinary stores would first read every line of the fresh buffer (a third pass over memory).
    /// </summary>
    const long StreamingBytes = 8 << 20;

    static unsafe void BackwardRows(ClassLoss loss, float[] x, int offX, double[] scale, float[] gradInput, int first, int end, bool streaming)
    {
        int c = loss.C;
        fixed (float* g = gradInput)
        {
            for (int i = first; i < end; i++)
            {
                long t = loss.Targets[i];
                float* row = g + (long)i * c;
                if (t == loss.IgnoreIndex)
                {
                    new Span<float>(row, c).Clear();
                    continue;
                }
                float factor = (float)(scale[i] * loss.WeightOf(t));
                BackwardRow(ref x[offX + i * c], row, c, (int)t, loss.RowMax[i], loss.Lse[i], factor, streaming);
            }
            if (streaming) StreamingStore.Fence(); // non-temporal stores are weakly ordered: make them visible before the chunk counts as done
        }
    }

    /// <summary>
    /// gx = exp(x - lse) * factor, taken as exp((x - max) - (lse - max)): x - lse in float would lose lse's low
    /// bits when the logits are large. With <paramref name="streaming"/> the whole vectors at 64-byte aligned
    /// addresses are stored non-temporally; the unaligned first and last vectors overlap them with the same values.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static unsafe void BackwardRow(ref float x, float* gx, int n, int target, float max, double lse, float factor, bool streaming)
    {
        float logSum = (float)(lse - max);
        var vmax = Vector512.Create(max);
        var vlogSum = Vector512.Create(logSum);
        var vf = Vector512.Create(factor);
        int j = 0;
        if (streaming && n >= 2 * W)
        {
            // the target's -factor goes into the vector that holds it: writing it afterwards would read back a streamed line
            var vt = Vector512.Create(target);
            GradientAt(ref x, 0, vmax, vlogSum, vf, vt).Store(gx);
            j = StreamingStore.ElementsBeforeLine(ref *gx);
            for (; j + W <= n; j += W) GradientAt(ref x, j, vmax, vlogSum, vf, vt).StoreAlignedNonTemporal(gx + j);
            if (j < n) GradientAt(ref x, n - W, vmax, vlogSum, vf, vt).Store(gx + n - W);
            return;
        }
        for (; j + W <= n; j += W) (FloatExp.OfNonPositive(Vector512.LoadUnsafe(ref x, (nuint)j) - vmax - vlogSum) * vf).Store(gx + j);
        // the last W elements, overlapping the ones just written with the same values
        if (j < n && n >= W) (FloatExp.OfNonPositive(Vector512.LoadUnsafe(ref x, (nuint)(n - W)) - vmax - vlogSum) * vf).Store(gx + n - W);
        else for (; j < n; j++) gx[j] = FloatExp.OfNonPositive(Unsafe.Add(ref x, j) - max - logSum) * factor;
        gx[target] -= factor;
    }

    /// <summary>The gradient's W lanes from <paramref name="at"/>: exp(x - max - logSum) * factor, less factor at the target.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector512<float> GradientAt(ref float x, int at, Vector512<float> max, Vector512<float> logSum, Vector512<float> factor, Vector512<int> target) =>
        FloatExp.OfNonPositive(Vector512.LoadUnsafe(ref x, (nuint)at) - max - logSum) * factor
        - Vector512.ConditionalSelect(Vector512.Equals(Vector512<int>.Indices + Vector512.Create(at), target).AsSingle(), factor, Vector512<float>.Zero);
}
