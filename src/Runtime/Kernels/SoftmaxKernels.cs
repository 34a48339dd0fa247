namespace DeepGen.Kernels;

/// <summary>
/// Softmax, log-softmax and log-sum-exp. Softmax works on a contiguous tensor seen as [outer, size, inner]
/// (the softmax dim in the middle, stride <c>inner</c>), so no transpose is needed for any dim. All sums are
/// in double, and every exponent has the running max subtracted, so large logits do not overflow.
/// </summary>
internal static class SoftmaxKernels
{
    /// <summary>The [outer, size, inner] split of a shape around <paramref name="dim"/> (already normalised).</summary>
    public static (int Outer, int Size, int Inner) Split(ReadOnlySpan<int> shape, int dim)
    {
        if (shape.Length == 0) return (1, 1, 1);
        int outer = 1, inner = 1;
        for (int i = 0; i < dim; i++) outer *= shape[i];
        for (int i = dim + 1; i < shape.Length; i++) inner *= shape[i];
        return (outer, shape[dim], inner);
    }

    public static void Forward<T>(ReadOnlySpan<T> x, Span<T> y, int outer, int size, int inner, bool log) where T : unmanaged
    {
        if (size == 0 || inner == 0) return;
        if (inner == 1)
        {
            for (int o = 0; o < outer; o++) Row(x.Slice(o * size, size), y.Slice(o * size, size), log);
            return;
        }
        var max = new double[inner];
        var sum = new double[inner];
        for (int o = 0; o < outer; o++)
        {
            int b = o * size * inner;
            Array.Fill(max, double.NegativeInfinity);
            Array.Clear(sum);
            for (int j = 0, r = b; j < size; j++, r += inner)
                for (int k = 0; k < inner; k++)
                    max[k] = Math.Max(max[k], Cast.ToDouble(x[r + k]));
            for (int j = 0, r = b; j < size; j++, r += inner)
                for (int k = 0; k < inner; k++)
                {
                    double e = Math.Exp(Cast.ToDouble(x[r + k]) - max[k]);
                    sum[k] += e;
                    if (!log) y[r + k] = Cast.FromDouble<T>(e);
                }
            if (log)
            {
                for (int k = 0; k < inner; k++) sum[k] = max[k] + Math.Log(sum[k]);
                for (int j = 0, r = b; j < size; j++, r += inner)
                    for (int k = 0; k < inner; k++)
                        y[r + k] = Cast.FromDouble<T>(Cast.ToDouble(x[r + k]) - sum[k]);
            }
            else
            {
                for (int k = 0; k < inner; k++) sum[k] = 1 / sum[k];
                for (int j = 0, r = b; j < size; j++, r += inner)
                    for (int k = 0; k < inner; k++)
                        y[r + k] = Cast.FromDouble<T>(Cast.ToDouble(y[r + k]) * sum[k]);
            }
        }
    }

    /// <summary>The common case of a softmax over contiguous elements (the last dim).</summary>
    static void Row<T>(ReadOnlySpan<T> x, Span<T> y, bool log) where T : unmanaged
    {
        double max = double.NegativeInfinity, sum = 0;
        for (int j = 0; j < x.Length; j++) max = Math.Max(max, Cast.ToDouble(x[j]));
        if (log)
        {
            for (int j = 0; j < x.Length; j++) sum += Math.Exp(Cast.ToDouble(x[j]) - max);
            double shift = max + Math.Log(sum);
            for (int j = 0; j < x.Length; j++) y[j] = Cast.FromDouble<T>(Cast.ToDouble(x[j]) - shift);
            return;
        }
        for (int j = 0; j < x.Length; j++)
        {
            double e = Math.Exp(Cast.ToDouble(x[j]) - max);
            sum += e;
            y[j] = Cast.FromDouble<T>(e);
        }
        double scale = 1 / sum;
        for (int j = 0; j < y.Length; j++) y[j] = Cast.FromDouble<T>(Cast.ToDouble(y[j]) * scale);
    }

    /// <summary>
    /// The input gradient from the saved output y: softmax gives y * (g - sum(g * y)), log-softmax gives
    /// g - exp(y) * sum(g), sums taken along the softmax dim.
    /// </summary>
    public static void Backward<T>(ReadOnlySpan<T> y, ReadOnlySpan<T> g, Span<T> gx, int outer, int size, int inner, bool log) where T : unmanaged
    {
        if (size == 0 || inner == 0) return;
        var dot = new double[inner];
        for (int o = 0; o < outer; o++)
        {
            int b = o * size * inner;
            Array.Clear(dot);
            for (int j = 0, r = b; j < size; j++, r += inner)
                for (int k = 0; k < inner; k++)
                    dot[k] += log ? Cast.ToDouble(g[r + k]) : Cast.ToDouble(g[r + k]) * Cast.ToDouble(y[r + k]);
            for (int j = 0, r = b; j < size; j++, r += inner)
                for (int k = 0; k < inner; k++)
                {
                    double yv = Cast.ToDouble(y[r + k]), gv = Cast.ToDouble(g[r + k]);
                    gx[r + k] = Cast.FromDouble<T>(log ? gv - Math.Exp(yv) * dot[k] : yv * (gv - dot[k]));
                }
        }
    }

    /// <summary>
    /// log(sum(exp(x))) of each contiguous block. An infinite max is not subtracted (as in PyTorch), so a
    /// block holding +inf gives +inf and an all -inf (or empty) block gives -inf instead of NaN.
    /// </summary>
    public static void LogSumExp<T>(ReadOnlySpan<T> src, int blockLength, Span<T> dst) where T : unmanaged
    {
        for (int i = 0, o = 0; i < dst.Length; i++, o += blockLength)
        {
            var block = src.Slice(o, blockLength);
            double max = double.NegativeInfinity;
            for (int j = 0; j < block.Length; j++) max = Math.Max(max, Cast.ToDouble(block[j]));
            if (double.IsInfinity(max)) max = 0;
            double sum = 0;
            for (int j = 0; j < block.Length; j++) sum += Math.Exp(Cast.ToDouble(block[j]) - max);
            dst[i] = Cast.FromDouble<T>(max + Math.Log(sum));
        }
    }
}
