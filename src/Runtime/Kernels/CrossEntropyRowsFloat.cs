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
                rowMax[i] = Max(ref row, c);
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
        for (; j + W <= n; j += W) sums += FloatExp.OfNonPositive(Vector512.LoadUnsafe(ref x, (nuint)j) - vmax);
        for (; j < n; j++) tail += FloatExp.OfNonPositive(Unsafe.Add(ref x, j) - max);
        return max + Math.Log(Vector512.Sum(sums) + tail);
    }

    /// <summary>The row's maximum; NaN if the row holds one.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static float Max(ref float x, int n)
    {
        var m = Vector512.Create(float.NegativeInfinity);
        int j = 0;
        for (; j + W <= n; j += W) m = Vector512.Max(m, Vector512.LoadUnsafe(ref x, (nuint)j));
        float max = float.NegativeInfinity;
        for (int i = 0; i < W; i++) max = MathF.Max(max, m.GetElement(i));
        for (; j < n; j++) max = MathF.Max(max, Unsafe.Add(ref x, j));
        return max;
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
            RowChunks.For(RowChunks.Count(n, c), n, (_, first, end) =>
            {
                for (int i = first; i < end; i++)
                {
                    long t = loss.Targets[i];
                    var target = gradInput.AsSpan(i * c, c);
                    if (t == loss.IgnoreIndex)
                    {
                        target.Clear();
                        continue;
                    }
                    float factor = (float)(scale[i] * loss.WeightOf(t));
                    BackwardRow(ref x[offX + i * c], ref target[0], c, loss.RowMax[i], loss.Lse[i], factor);
                    target[(int)t] -= factor;
                }
            });
        }
        if (gradWeight is not null)
            for (int i = 0; i < n; i++)
            {
                long t = loss.Targets[i];
                if (t != loss.IgnoreIndex) gradWeight[t] += scale[i] * (loss.Lse[i] - x[offX + i * c + (int)t]) - meanCorrection;
            }
    }

    /// <summary>gx = exp(x - lse) * factor, taken as exp((x - max) - (lse - max)): x - lse in float would lose lse's low bits when the logits are large.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void BackwardRow(ref float x, ref float gx, int n, float max, double lse, float factor)
    {
        float logSum = (float)(lse - max);
        var vmax = Vector512.Create(max);
        var vlogSum = Vector512.Create(logSum);
        var vf = Vector512.Create(factor);
        int j = 0;
        for (; j + W <= n; j += W)
            (FloatExp.OfNonPositive(Vector512.LoadUnsafe(ref x, (nuint)j) - vmax - vlogSum) * vf).StoreUnsafe(ref gx, (nuint)j);
        for (; j < n; j++) Unsafe.Add(ref gx, j) = FloatExp.OfNonPositive(Unsafe.Add(ref x, j) - max - logSum) * factor;
    }
}
