using DeepGen.Fusion.Ir;

namespace DeepGen.Fusion.Tests.Reference;

/// <summary>Reference reductions, views and matrix products.</summary>
internal static class RefOps
{
    public static bool[] Mask(int rank, Attrs a)
    {
        var dims = a.Ints("dims");
        var mask = new bool[rank];
        for (int d = 0; d < rank; d++)
        {
            mask[d] = dims.Count == 0 || dims.Any(x => (x < 0 ? x + rank : x) == d);
        }

        return mask;
    }

    public static RefTensor Reduce(string op, RefTensor x, Attrs a)
    {
        bool[] mask = Mask(x.Rank, a);
        int[] kept = x.Shape.Select((s, d) => mask[d] ? 1 : s).ToArray();
        var result = new RefTensor(kept);
        var count = new RefTensor(kept);
        if (op == "amax")
        {
            Array.Fill(result.Data, double.NegativeInfinity);
        }

        for (int i = 0; i < x.Data.Length; i++)
        {
            int[] index = RefTensor.Unravel(i, x.Shape);
            int o = result.Offset(index.Select((v, d) => mask[d] ? 0 : v).ToArray());
            result.Data[o] = op == "amax" ? Math.Max(result.Data[o], x.Data[i]) : result.Data[o] + x.Data[i];
            count.Data[o]++;
        }

        if (op == "mean")
        {
            for (int o = 0; o < result.Data.Length; o++)
            {
                result.Data[o] /= count.Data[o];
            }
        }

        return a.Bool("keepdim", false) ? result : result.Reshape(x.Shape.Where((_, d) => !mask[d]).ToArray());
    }

    /// <summary>A reduced tensor spread back over the input shape (sum's gradient).</summary>
    public static RefTensor SpreadBack(RefTensor g, int[] inputShape, Attrs a)
    {
        bool[] mask = Mask(inputShape.Length, a);
        int[] kept = inputShape.Select((s, d) => mask[d] ? 1 : s).ToArray();
        return g.Reshape(kept).Expand(inputShape);
    }

    public static RefTensor MeanBackward(RefTensor g, int[] inputShape, Attrs a)
    {
        bool[] mask = Mask(inputShape.Length, a);
        int count = inputShape.Where((_, d) => mask[d]).Aggregate(1, (p, s) => p * s);
        RefTensor spread = SpreadBack(g, inputShape, a);
        return new RefTensor(spread.Shape, spread.Data.Select(v => v / count).ToArray());
    }

    public static RefTensor SumTo(RefTensor g, int[] shape)
    {
        var result = new RefTensor(shape);
        int lead = g.Rank - shape.Length;
        for (int i = 0; i < g.Data.Length; i++)
        {
            int[] index = RefTensor.Unravel(i, g.Shape);
            int[] target = shape.Select((s, d) => s == 1 ? 0 : index[lead + d]).ToArray();
            result.Data[result.Offset(target)] += g.Data[i];
        }

        return result;
    }

    public static RefTensor Reshape(RefTensor x, Attrs a, IReadOnlyDictionary<string, long> symbols)
    {
        var dims = a.Dims("dims");
        int infer = (int)a.Int("infer", -1);
        int[] shape = dims.Select((d, i) => i == infer ? -1 : (int)(Interpreter.Resolve(d, symbols) ?? throw new InvalidOperationException($"reshape: {d} unresolved"))).ToArray();
        if (infer >= 0)
        {
            shape[infer] = x.Data.Length / shape.Where((_, i) => i != infer).Aggregate(1, (p, s) => p * s);
        }

        return x.Reshape(shape);
    }

    public static RefTensor Flatten(RefTensor x, Attrs a)
    {
        if (x.Rank == 0)
        {
            return x.Reshape([1]);
        }

        int start = Norm(a.Int("start", 0), x.Rank);
        int end = Norm(a.Int("end", -1), x.Rank);
        int merged = x.Shape.Skip(start).Take(end - start + 1).Aggregate(1, (p, s) => p * s);
        return x.Reshape(x.Shape.Take(start).Append(merged).Concat(x.Shape.Skip(end + 1)).ToArray());
    }

    public static RefTensor Transpose(RefTensor x, Attrs a)
    {
        int[] order = Enumerable.Range(0, x.Rank).ToArray();
        int d0 = Norm(a.Int("dim0"), x.Rank);
        int d1 = Norm(a.Int("dim1"), x.Rank);
        (order[d0], order[d1]) = (order[d1], order[d0]);
        return Permute(x, order);
    }

    public static RefTensor Permute(RefTensor x, int[] order)
    {
        order = order.Select(d => Norm(d, x.Rank)).ToArray();
        var result = new RefTensor(order.Select(d => x.Shape[d]).ToArray());
        for (int i = 0; i < result.Data.Length; i++)
        {
            int[] index = RefTensor.Unravel(i, result.Shape);
            var source = new int[x.Rank];
            for (int d = 0; d < x.Rank; d++)
            {
                source[order[d]] = index[d];
            }

            result.Data[i] = x[source];
        }

        return result;
    }

    public static RefTensor Unsqueeze(RefTensor x, Attrs a)
    {
        var shape = x.Shape.ToList();
        shape.Insert(Norm(a.Int("dim"), x.Rank + 1), 1);
        return x.Reshape(shape.ToArray());
    }

    public static RefTensor Squeeze(RefTensor x, Attrs a)
    {
        if (!a.Has("dim"))
        {
            return x.Reshape(x.Shape.Where(s => s != 1).ToArray());
        }

        int dim = Norm(a.Int("dim"), x.Rank);
        return x.Shape[dim] == 1 ? x.Reshape(x.Shape.Where((_, d) => d != dim).ToArray()) : x;
    }

    public static RefTensor MatMul(RefTensor a, RefTensor b)
    {
        RefTensor a2 = a.Rank == 1 ? a.Reshape([1, a.Shape[0]]) : a;
        RefTensor b2 = b.Rank == 1 ? b.Reshape([b.Shape[0], 1]) : b;
        int n = a2.Shape[^2], k = a2.Shape[^1], m = b2.Shape[^1];
        int[] batch = RefTensor.BroadcastShapes([a2.Shape[..^2], b2.Shape[..^2]]);
        RefTensor ae = a2.Expand([.. batch, n, k]);
        RefTensor be = b2.Expand([.. batch, k, m]);
        int batches = RefTensor.Numel(batch);
        var result = new RefTensor([.. batch, n, m]);
        for (int p = 0; p < batches; p++)
        {
            for (int i = 0; i < n; i++)
            {
                for (int j = 0; j < m; j++)
                {
                    double sum = 0;
                    for (int t = 0; t < k; t++)
                    {
                        sum += ae.Data[(p * n * k) + (i * k) + t] * be.Data[(p * k * m) + (t * m) + j];
                    }

                    result.Data[(p * n * m) + (i * m) + j] = sum;
                }
            }
        }

        List<int> shape = [.. batch];
        if (a.Rank > 1)
        {
            shape.Add(n);
        }

        if (b.Rank > 1)
        {
            shape.Add(m);
        }

        return result.Reshape(shape.ToArray());
    }

    public static RefTensor Linear(RefTensor x, RefTensor w, RefTensor? bias)
    {
        RefTensor y = MatMul(x, Permute(w, [1, 0]));
        if (bias is not null)
        {
            for (int i = 0; i < y.Data.Length; i++)
            {
                y.Data[i] += bias.Data[i % bias.Data.Length];
            }
        }

        return y;
    }

    public static int Norm(long d, int rank) => (int)(d < 0 ? d + Math.Max(rank, 1) : d);
}
