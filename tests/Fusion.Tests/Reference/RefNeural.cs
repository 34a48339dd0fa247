using DeepGen.Fusion.Ir;

namespace DeepGen.Fusion.Tests.Reference;

/// <summary>Reference softmax, convolution, pooling, normalisation, dropout and embedding, forward and backward.</summary>
internal static class RefNeural
{
    public static RefTensor[] Evaluate(string op, RefTensor[] x, Attrs a) => op switch
    {
        "softmax" => [Softmax(x[0], Dim(a, x[0]), log: false)],
        "log_softmax" => [Softmax(x[0], Dim(a, x[0]), log: true)],
        "softmax_backward" => [SoftmaxBackward(x[0], x[1], Dim(a, x[1]), log: false)],
        "log_softmax_backward" => [SoftmaxBackward(x[0], x[1], Dim(a, x[1]), log: true)],
        "conv2d" => [Conv(x[0], x[1], x.Length > 2 ? x[2] : null, a)],
        "conv2d_input_grad" => [ConvInputGrad(x[0], x[1], x[2].Shape, a)],
        "conv2d_weight_grad" => [ConvWeightGrad(x[0], x[1], x[2].Shape, a)],
        "max_pool2d" => MaxPool(x[0], a),
        "max_pool2d_backward" => [MaxPoolBackward(x[0], x[1], x[2].Shape)],
        "avg_pool2d" => [AvgPool(x[0], null, a)],
        "avg_pool2d_backward" => [AvgPool(x[1], x[0], a)],
        "batch_norm" => BatchNorm(x, a),
        "batch_norm_backward" => NormBackward(x[0], x[1], x[2], x[3], x.Length > 4 ? x[4] : null, channelDim: true),
        "layer_norm" => LayerNorm(x, a),
        "layer_norm_backward" => NormBackward(x[0], x[1], x[2], x[3], x.Length > 4 ? x[4] : null, channelDim: false),
        "dropout" => Dropout(x[0], a.Real("p")),
        "scaled_dot_product_attention" => RefAttention.Forward(x[0], x[1], x[2], a),
        "scaled_dot_product_attention_backward" => RefAttention.Backward(x[0], x[1], x[2], x[3], x[4], a),
        "embedding" => [Embedding(x[0], x[1])],
        "embedding_backward" => [EmbeddingBackward(x[0], x[1], x[2].Shape, a.Int("padding_idx", -1))],
        _ => throw new NotSupportedException($"reference: no implementation of {op}"),
    };

    private static int Dim(Attrs a, RefTensor x) => RefOps.Norm(a.Int("dim"), x.Rank);

    /// <summary>Each lane along <paramref name="dim"/>: its first offset; lanes step by the dim's stride.</summary>
    private static IEnumerable<int> Lanes(int[] shape, int dim, out int stride)
    {
        int inner = shape.Skip(dim + 1).Aggregate(1, (p, s) => p * s);
        int outer = shape.Take(dim).Aggregate(1, (p, s) => p * s);
        stride = inner;
        int size = shape[dim];
        return Enumerable.Range(0, outer * inner).Select(l => ((l / inner) * size * inner) + (l % inner));
    }

    private static RefTensor Softmax(RefTensor x, int dim, bool log)
    {
        var y = new RefTensor(x.Shape);
        int n = x.Shape[dim];
        foreach (int start in Lanes(x.Shape, dim, out int stride))
        {
            double max = Enumerable.Range(0, n).Max(i => x.Data[start + (i * stride)]);
            double sum = Enumerable.Range(0, n).Sum(i => Math.Exp(x.Data[start + (i * stride)] - max));
            for (int i = 0; i < n; i++)
            {
                double z = x.Data[start + (i * stride)] - max;
                y.Data[start + (i * stride)] = log ? z - Math.Log(sum) : Math.Exp(z) / sum;
            }
        }

        return y;
    }

    private static RefTensor SoftmaxBackward(RefTensor g, RefTensor y, int dim, bool log)
    {
        var gx = new RefTensor(y.Shape);
        int n = y.Shape[dim];
        foreach (int start in Lanes(y.Shape, dim, out int stride))
        {
            double dot = Enumerable.Range(0, n).Sum(i => g.Data[start + (i * stride)] * (log ? 1 : y.Data[start + (i * stride)]));
            for (int i = 0; i < n; i++)
            {
                int o = start + (i * stride);
                gx.Data[o] = log ? g.Data[o] - (Math.Exp(y.Data[o]) * dot) : y.Data[o] * (g.Data[o] - dot);
            }
        }

        return gx;
    }

    private readonly record struct ConvGeometry(int N, int C, int H, int W, int O, int Cg, int KH, int KW, int OH, int OW, int[] S, int[] P, int[] D, int Groups);

    private static ConvGeometry Geometry(int[] x, int[] w, int[] y, Attrs a) => new(
        x[0], x[1], x[2], x[3], w[0], w[1], w[2], w[3], y[2], y[3],
        a.Ints("stride").Select(v => (int)v).ToArray(), a.Ints("padding").Select(v => (int)v).ToArray(),
        a.Ints("dilation").Select(v => (int)v).ToArray(), (int)a.Int("groups", 1));

    /// <summary>Visits every (output element, weight element, input element) triple of a convolution.</summary>
    private static void ForEachTap(ConvGeometry g, Action<int[], int[], int[]> tap)
    {
        int outPerGroup = g.O / g.Groups;
        for (int n = 0; n < g.N; n++)
        for (int o = 0; o < g.O; o++)
        for (int oh = 0; oh < g.OH; oh++)
        for (int ow = 0; ow < g.OW; ow++)
        for (int c = 0; c < g.Cg; c++)
        for (int kh = 0; kh < g.KH; kh++)
        for (int kw = 0; kw < g.KW; kw++)
        {
            int ih = (oh * g.S[0]) - g.P[0] + (kh * g.D[0]);
            int iw = (ow * g.S[1]) - g.P[1] + (kw * g.D[1]);
            if (ih >= 0 && ih < g.H && iw >= 0 && iw < g.W)
            {
                tap([n, o, oh, ow], [o, c, kh, kw], [n, ((o / outPerGroup) * g.Cg) + c, ih, iw]);
            }
        }
    }

    private static int[] ConvOutputShape(int[] x, int[] w, Attrs a)
    {
        int Out(int i) => ((x[2 + i] + (2 * (int)a.Ints("padding")[i]) - ((int)a.Ints("dilation")[i] * (w[2 + i] - 1)) - 1) / (int)a.Ints("stride")[i]) + 1;
        return [x[0], w[0], Out(0), Out(1)];
    }

    private static RefTensor Conv(RefTensor x, RefTensor w, RefTensor? bias, Attrs a)
    {
        var y = new RefTensor(ConvOutputShape(x.Shape, w.Shape, a));
        ForEachTap(Geometry(x.Shape, w.Shape, y.Shape, a), (yi, wi, xi) => y[yi] += w[wi] * x[xi]);
        if (bias is not null)
        {
            for (int i = 0; i < y.Data.Length; i++)
            {
                y.Data[i] += bias.Data[RefTensor.Unravel(i, y.Shape)[1]];
            }
        }

        return y;
    }

    private static RefTensor ConvInputGrad(RefTensor g, RefTensor w, int[] xShape, Attrs a)
    {
        var gx = new RefTensor(xShape);
        ForEachTap(Geometry(xShape, w.Shape, g.Shape, a), (yi, wi, xi) => gx[xi] += w[wi] * g[yi]);
        return gx;
    }

    private static RefTensor ConvWeightGrad(RefTensor g, RefTensor x, int[] wShape, Attrs a)
    {
        var gw = new RefTensor(wShape);
        ForEachTap(Geometry(x.Shape, wShape, g.Shape, a), (yi, wi, xi) => gw[wi] += x[xi] * g[yi]);
        return gw;
    }

    /// <summary>The pooling windows: for each output element of each plane, the input positions it covers (padding excluded) and its divisor.</summary>
    private static IEnumerable<(int Out, List<int> Taps, int Divisor)> Windows(int h, int w, Attrs a)
    {
        int[] k = a.Ints("kernel").Select(v => (int)v).ToArray();
        int[] s = a.Ints("stride").Select(v => (int)v).ToArray();
        int[] p = a.Ints("padding").Select(v => (int)v).ToArray();
        int[] d = a.Has("dilation") ? a.Ints("dilation").Select(v => (int)v).ToArray() : [1, 1];
        bool includePad = a.Bool("count_include_pad", true);
        int oh = PooledSize(h, a, 0), ow = PooledSize(w, a, 1);
        for (int i = 0; i < oh; i++)
        for (int j = 0; j < ow; j++)
        {
            var taps = new List<int>();
            int padded = 0;
            for (int u = 0; u < k[0]; u++)
            for (int v = 0; v < k[1]; v++)
            {
                int r = (i * s[0]) - p[0] + (u * d[0]);
                int c = (j * s[1]) - p[1] + (v * d[1]);
                if (r < h + p[0] && c < w + p[1])
                {
                    padded++;
                }

                if (r >= 0 && r < h && c >= 0 && c < w)
                {
                    taps.Add((r * w) + c);
                }
            }

            yield return ((i * ow) + j, taps, includePad ? padded : taps.Count);
        }
    }

    private static int[] PooledShape(int[] x, Attrs a) => [.. x[..^2], PooledSize(x[^2], a, 0), PooledSize(x[^1], a, 1)];

    private static int PooledSize(int n, Attrs a, int i)
    {
        int k = (int)a.Ints("kernel")[i];
        int s = (int)a.Ints("stride")[i];
        int p = (int)a.Ints("padding")[i];
        int d = a.Has("dilation") ? (int)a.Ints("dilation")[i] : 1;
        bool ceil = a.Bool("ceil_mode", false);
        int span = n + (2 * p) - (d * (k - 1)) - 1;
        int size = (ceil ? (span + s - 1) / s : span / s) + 1;
        return ceil && (size - 1) * s >= n + p ? size - 1 : size;
    }

    private static RefTensor[] MaxPool(RefTensor x, Attrs a)
    {
        int[] shape = PooledShape(x.Shape, a);
        var y = new RefTensor(shape);
        var indices = new RefTensor(shape);
        int h = x.Shape[^2], w = x.Shape[^1];
        int planes = RefTensor.Numel(x.Shape[..^2]);
        int outPlane = shape[^1] * shape[^2];
        var windows = Windows(h, w, a).ToList();
        for (int plane = 0; plane < planes; plane++)
        {
            foreach ((int o, List<int> taps, _) in windows)
            {
                double best = double.NegativeInfinity;
                int at = -1;
                foreach (int t in taps)
                {
                    double v = x.Data[(plane * h * w) + t];
                    if (v > best)
                    {
                        best = v;
                        at = t;
                    }
                }

                y.Data[(plane * outPlane) + o] = best;
                indices.Data[(plane * outPlane) + o] = at;
            }
        }

        return [y, indices];
    }

    private static RefTensor MaxPoolBackward(RefTensor g, RefTensor indices, int[] xShape)
    {
        var gx = new RefTensor(xShape);
        int plane = xShape[^1] * xShape[^2];
        int outPlane = g.Shape[^1] * g.Shape[^2];
        for (int i = 0; i < g.Data.Length; i++)
        {
            gx.Data[((i / outPlane) * plane) + (int)indices.Data[i]] += g.Data[i];
        }

        return gx;
    }

    /// <summary>Average pooling forward (<paramref name="g"/> null) or its backward (spreading <paramref name="g"/>).</summary>
    private static RefTensor AvgPool(RefTensor x, RefTensor? g, Attrs a)
    {
        int[] shape = PooledShape(x.Shape, a);
        var result = new RefTensor(g is null ? shape : x.Shape);
        int h = x.Shape[^2], w = x.Shape[^1];
        int planes = RefTensor.Numel(x.Shape[..^2]);
        int outPlane = shape[^1] * shape[^2];
        var windows = Windows(h, w, a).ToList();
        for (int plane = 0; plane < planes; plane++)
        {
            foreach ((int o, List<int> taps, int divisor) in windows)
            {
                foreach (int t in taps)
                {
                    if (g is null)
                    {
                        result.Data[(plane * outPlane) + o] += x.Data[(plane * h * w) + t] / divisor;
                    }
                    else
                    {
                        result.Data[(plane * h * w) + t] += g.Data[(plane * outPlane) + o] / divisor;
                    }
                }
            }
        }

        return result;
    }

    /// <summary>Normalises groups of x: per channel (dim 1) for batch norm, per leading index for layer norm.</summary>
    private static int Group(int[] shape, int flat, bool channelDim, int normalized) =>
        channelDim ? RefTensor.Unravel(flat, shape)[1] : flat / normalized;

    private static RefTensor[] Normalize(RefTensor x, RefTensor? weight, RefTensor? bias, double eps, bool channelDim, int normalized, int[] statsShape)
    {
        int groups = RefTensor.Numel(statsShape);
        var sum = new double[groups];
        var count = new double[groups];
        for (int i = 0; i < x.Data.Length; i++)
        {
            int k = Group(x.Shape, i, channelDim, normalized);
            sum[k] += x.Data[i];
            count[k]++;
        }

        var mean = new RefTensor(statsShape, sum.Select((s, k) => s / count[k]).ToArray());
        var variance = new double[groups];
        for (int i = 0; i < x.Data.Length; i++)
        {
            int k = Group(x.Shape, i, channelDim, normalized);
            variance[k] += Math.Pow(x.Data[i] - mean.Data[k], 2) / count[k];
        }

        var invStd = new RefTensor(statsShape, variance.Select(v => 1 / Math.Sqrt(v + eps)).ToArray());
        var y = new RefTensor(x.Shape);
        for (int i = 0; i < x.Data.Length; i++)
        {
            int k = Group(x.Shape, i, channelDim, normalized);
            int affine = channelDim ? k : i % normalized;
            y.Data[i] = ((x.Data[i] - mean.Data[k]) * invStd.Data[k] * (weight?.Data[affine] ?? 1)) + (bias?.Data[affine] ?? 0);
        }

        return [y, mean, invStd];
    }

    private static RefTensor[] BatchNorm(RefTensor[] x, Attrs a)
    {
        bool affine = a.Bool("affine", true);
        return Normalize(x[0], affine ? x[1] : null, affine ? x[2] : null, a.Real("eps"), channelDim: true, 0, [x[0].Shape[1]]);
    }

    private static RefTensor[] LayerNorm(RefTensor[] x, Attrs a)
    {
        int k = a.Ints("normalized_shape").Count;
        int normalized = (int)a.Ints("normalized_shape").Aggregate(1L, (p, s) => p * s);
        int[] stats = [.. x[0].Shape[..^k], .. Enumerable.Repeat(1, k)];
        return Normalize(x[0], x.Length > 1 ? x[1] : null, x.Length > 2 ? x[2] : null, a.Real("eps"), channelDim: false, normalized, stats);
    }

    /// <summary>The textbook normalisation backward: dx = invstd * (g*w - mean(g*w) - xhat * mean(g*w*xhat)).</summary>
    private static RefTensor[] NormBackward(RefTensor g, RefTensor x, RefTensor mean, RefTensor invStd, RefTensor? weight, bool channelDim)
    {
        int groups = mean.Data.Length;
        int normalized = channelDim ? 0 : x.Data.Length / groups;
        int affineSize = channelDim ? groups : normalized;
        var count = new double[groups];
        var meanGw = new double[groups];
        var meanGwXhat = new double[groups];
        var gw = new RefTensor(weight?.Shape ?? [affineSize]);
        var gb = new RefTensor(weight?.Shape ?? [affineSize]);
        for (int i = 0; i < x.Data.Length; i++)
        {
            int k = Group(x.Shape, i, channelDim, normalized);
            int f = channelDim ? k : i % normalized;
            double xhat = (x.Data[i] - mean.Data[k]) * invStd.Data[k];
            double gwi = g.Data[i] * (weight?.Data[f] ?? 1);
            count[k]++;
            meanGw[k] += gwi;
            meanGwXhat[k] += gwi * xhat;
            gw.Data[f] += g.Data[i] * xhat;
            gb.Data[f] += g.Data[i];
        }

        var gx = new RefTensor(x.Shape);
        for (int i = 0; i < x.Data.Length; i++)
        {
            int k = Group(x.Shape, i, channelDim, normalized);
            int f = channelDim ? k : i % normalized;
            double xhat = (x.Data[i] - mean.Data[k]) * invStd.Data[k];
            double gwi = g.Data[i] * (weight?.Data[f] ?? 1);
            gx.Data[i] = invStd.Data[k] * (gwi - (meanGw[k] / count[k]) - (xhat * meanGwXhat[k] / count[k]));
        }

        return [gx, gw, gb];
    }

    /// <summary>A fixed, index-derived mask: deterministic, so finite differences see the same function.</summary>
    private static RefTensor[] Dropout(RefTensor x, double p)
    {
        var mask = new RefTensor(x.Shape, Enumerable.Range(0, x.Data.Length).Select(i => (i * 7919 % 10) < p * 10 ? 0 : 1 / (1 - p)).ToArray());
        return [new RefTensor(x.Shape, x.Data.Zip(mask.Data, (v, m) => v * m).ToArray()), mask];
    }

    private static RefTensor Embedding(RefTensor indices, RefTensor weight)
    {
        int d = weight.Shape[1];
        var y = new RefTensor([.. indices.Shape, d]);
        for (int i = 0; i < indices.Data.Length; i++)
        {
            Array.Copy(weight.Data, (int)indices.Data[i] * d, y.Data, i * d, d);
        }

        return y;
    }

    private static RefTensor EmbeddingBackward(RefTensor g, RefTensor indices, int[] weightShape, long paddingIdx)
    {
        var gw = new RefTensor(weightShape);
        int d = weightShape[1];
        for (int i = 0; i < indices.Data.Length; i++)
        {
            int row = (int)indices.Data[i];
            if (row == paddingIdx)
            {
                continue;
            }

            for (int j = 0; j < d; j++)
            {
                gw.Data[(row * d) + j] += g.Data[(i * d) + j];
            }
        }

        return gw;
    }
}
