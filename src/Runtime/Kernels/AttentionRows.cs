using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace DeepGen.Kernels;

/// <summary>
/// The per-row steps of the blocked attention kernel on one row of scores: softmax with its log-sum-exp,
/// rebuilding the weights from a saved log-sum-exp, and the softmax gradient. Entries past a row's
/// <c>valid</c> length (masked by causality) are written as 0. float32 rows are vectorised.
/// </summary>
internal static class AttentionRows
{
    static int W => Vector512<float>.Count;

    /// <summary>Turns the scores into softmax weights in place and returns the row's log-sum-exp (-inf for an empty row).</summary>
    public static T Softmax<T>(Span<T> row, int valid) where T : unmanaged, IFloatingPointIeee754<T>
    {
        row[valid..].Clear();
        if (valid == 0) return T.NegativeInfinity;
        if (typeof(T) == typeof(float))
        {
            float lse = SoftmaxFloat(MemoryMarshal.Cast<T, float>(row[..valid]));
            return Unsafe.As<float, T>(ref lse);
        }
        var x = row[..valid];
        T max = T.NegativeInfinity;
        foreach (var value in x) max = T.Max(max, value);
        T sum = T.Zero;
        for (int j = 0; j < x.Length; j++) sum += x[j] = T.Exp(x[j] - max);
        T inverse = T.One / sum;
        for (int j = 0; j < x.Length; j++) x[j] *= inverse;
        return max + T.Log(sum);
    }

    /// <summary>The weights exp(score - logSumExp) in place, as <see cref="Softmax"/> produced them in the forward.</summary>
    public static void Rebuild<T>(Span<T> row, int valid, T logSumExp) where T : unmanaged, IFloatingPointIeee754<T>
    {
        row[valid..].Clear();
        if (typeof(T) == typeof(float))
        {
            RebuildFloat(MemoryMarshal.Cast<T, float>(row[..valid]), Unsafe.As<T, float>(ref logSumExp));
            return;
        }
        for (int j = 0; j < valid; j++) row[j] = T.Exp(row[j] - logSumExp);
    }

    /// <summary>The gradient of the scaled scores, in place of <paramref name="gradWeights"/>: weights * (gradWeights - rowDot) * scale.</summary>
    public static void ScoreGradient<T>(ReadOnlySpan<T> weights, Span<T> gradWeights, T rowDot, T scale) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float))
        {
            ScoreGradientFloat(MemoryMarshal.Cast<T, float>(weights), MemoryMarshal.Cast<T, float>(gradWeights),
                Unsafe.As<T, float>(ref rowDot), Unsafe.As<T, float>(ref scale));
            return;
        }
        for (int j = 0; j < gradWeights.Length; j++) gradWeights[j] = weights[j] * (gradWeights[j] - rowDot) * scale;
    }

    /// <summary>sum(a * b) over one row (the backward's sum of dOutput * output).</summary>
    public static T Dot<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float))
        {
            float dot = DotFloat(MemoryMarshal.Cast<T, float>(a), MemoryMarshal.Cast<T, float>(b));
            return Unsafe.As<float, T>(ref dot);
        }
        T sum = T.Zero;
        for (int j = 0; j < a.Length; j++) sum += a[j] * b[j];
        return sum;
    }

    static float SoftmaxFloat(Span<float> x)
    {
        int n = x.Length, j = 0;
        ref float r = ref MemoryMarshal.GetReference(x);
        float max = RowMax.Of(ref r, n);
        var vmax = Vector512.Create(max);
        var sums = Vector512<float>.Zero;
        float tail = 0;
        for (j = 0; j + W <= n; j += W)
        {
            var e = FloatExp.OfNonPositive(Vector512.LoadUnsafe(ref r, (nuint)j) - vmax);
            sums += e;
            e.StoreUnsafe(ref r, (nuint)j);
        }
        for (; j < n; j++) tail += x[j] = FloatExp.OfNonPositive(x[j] - max);
        float sum = Vector512.Sum(sums) + tail;

        float inverse = 1 / sum;
        var vinverse = Vector512.Create(inverse);
        for (j = 0; j + W <= n; j += W) (Vector512.LoadUnsafe(ref r, (nuint)j) * vinverse).StoreUnsafe(ref r, (nuint)j);
        for (; j < n; j++) x[j] *= inverse;
        return max + MathF.Log(sum);
    }

    static void RebuildFloat(Span<float> x, float logSumExp)
    {
        int n = x.Length, j = 0;
        ref float r = ref MemoryMarshal.GetReference(x);
        var vlse = Vector512.Create(logSumExp);
        for (; j + W <= n; j += W) FloatExp.OfNonPositive(Vector512.LoadUnsafe(ref r, (nuint)j) - vlse).StoreUnsafe(ref r, (nuint)j);
        for (; j < n; j++) x[j] = FloatExp.OfNonPositive(x[j] - logSumExp);
    }

    static void ScoreGradientFloat(ReadOnlySpan<float> p, Span<float> dp, float rowDot, float scale)
    {
        int n = dp.Length, j = 0;
        ref float rp = ref MemoryMarshal.GetReference(p);
        ref float rd = ref MemoryMarshal.GetReference(dp);
        var vdot = Vector512.Create(rowDot);
        var vscale = Vector512.Create(scale);
        for (; j + W <= n; j += W)
            (Vector512.LoadUnsafe(ref rp, (nuint)j) * (Vector512.LoadUnsafe(ref rd, (nuint)j) - vdot) * vscale).StoreUnsafe(ref rd, (nuint)j);
        for (; j < n; j++) dp[j] = p[j] * (dp[j] - rowDot) * scale;
    }

    static float DotFloat(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        int n = a.Length, j = 0;
        ref float ra = ref MemoryMarshal.GetReference(a);
        ref float rb = ref MemoryMarshal.GetReference(b);
        var sums = Vector512<float>.Zero;
        for (; j + W <= n; j += W) sums = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref ra, (nuint)j), Vector512.LoadUnsafe(ref rb, (nuint)j), sums);
        float sum = Vector512.Sum(sums);
        for (; j < n; j++) sum += a[j] * b[j];
        return sum;
    }
}
