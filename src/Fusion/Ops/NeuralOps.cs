using DeepGen.Fusion.Ir;

namespace DeepGen.Fusion.Ops;

/// <summary>
/// The library kernels of neural networks (softmax, convolution, pooling, normalisation, dropout,
/// embedding) and their backward kernels. Ops with statistics or masks have several outputs, so the
/// backward reads what the forward kernel already computed.
/// </summary>
internal static class NeuralOps
{
    public static IEnumerable<OpDef> All()
    {
        yield return new RuleOp("softmax", OpKind.Library, 1, 1, Softmax, c => [c.Op("softmax_backward", c.Attrs, c.Grad, c.Output())]);
        yield return new RuleOp("log_softmax", OpKind.Library, 1, 1, Softmax, c => [c.Op("log_softmax_backward", c.Attrs, c.Grad, c.Output())]);
        yield return new RuleOp("softmax_backward", OpKind.Library, 2, 2, c => [c.Inputs[1]], null);
        yield return new RuleOp("log_softmax_backward", OpKind.Library, 2, 2, c => [c.Inputs[1]], null);

        // conv2d(x, w[, b]) attrs stride, padding, dilation: [h, w]; groups.
        yield return new RuleOp("conv2d", OpKind.Library, 2, 3, Conv2d, Conv2dVjp);
        yield return new RuleOp("conv2d_input_grad", OpKind.Library, 3, 3, c => [c.Inputs[2]], null, 2);
        yield return new RuleOp("conv2d_weight_grad", OpKind.Library, 3, 3, c => [c.Inputs[2]], null, 2);

        // max_pool2d(x) -> (values, indices into each H*W plane, as PyTorch's return_indices), attrs kernel, stride, padding, dilation, ceil_mode.
        yield return new RuleOp("max_pool2d", OpKind.Library, 1, 1, c => Pool(c, withIndices: true),
            c => [c.Op("max_pool2d_backward", c.Attrs, c.Grad, c.Output(1), c.Input(0))]);
        yield return new RuleOp("max_pool2d_backward", OpKind.Library, 3, 3, c => [c.Inputs[2]], null, 2);
        yield return new RuleOp("avg_pool2d", OpKind.Library, 1, 1, c => Pool(c, withIndices: false),
            c => [c.Op("avg_pool2d_backward", c.Attrs, c.Grad, c.Input(0))]);
        yield return new RuleOp("avg_pool2d_backward", OpKind.Library, 2, 2, c => [c.Inputs[1]], null, 1);

        // batch_norm(x[, weight, bias][, running_mean, running_var]) with batch statistics -> (y, mean, invstd);
        // attrs affine, track_running_stats, momentum (absent: cumulative average), eps. Eval mode with
        // running statistics is rewritten to pointwise ops before this op is ever emitted (see Specialize).
        yield return new RuleOp("batch_norm", OpKind.Library, 1, 5, BatchNorm, BatchNormVjp);
        yield return new RuleOp("batch_norm_backward", OpKind.Library, 4, 5, BatchNormBackward, null);

        // layer_norm(x[, weight[, bias]]) -> (y, mean, rstd); attrs normalized_shape, eps.
        yield return new RuleOp("layer_norm", OpKind.Library, 1, 3, LayerNorm, LayerNormVjp);
        yield return new RuleOp("layer_norm_backward", OpKind.Library, 4, 5, LayerNormBackward, null);

        // dropout(x) -> (y, mask), the mask already scaled by 1/(1-p); attr p. Eval mode removes it.
        yield return new RuleOp("dropout", OpKind.Library, 1, 1, Dropout, c => [c.Op("mul", c.Grad, c.Output(1))]);

        // scaled_dot_product_attention(q [.., L, E], k [.., S, E], v [.., S, Ev]) -> (out [.., L, Ev], logsumexp [.., L]);
        // attrs is_causal (position i sees j <= i), scale (absent: 1/sqrt(E)). The log-sum-exp of each row lets
        // the backward rebuild the attention weights instead of keeping the [L, S] matrix (flash attention's trick).
        yield return new RuleOp("scaled_dot_product_attention", OpKind.Library, 3, 3, Attention, c =>
        {
            IReadOnlyList<Value> grads = c.Ops("scaled_dot_product_attention_backward", c.Attrs, c.Grad, c.Input(0), c.Input(1), c.Input(2), c.Output(0), c.Output(1));
            return [grads[0], grads[1], grads[2]];
        });
        yield return new RuleOp("scaled_dot_product_attention_backward", OpKind.Library, 6, 6, c => [c.Inputs[1], c.Inputs[2], c.Inputs[3]], null);

        // embedding(indices, weight) attr padding_idx (absent: none).
        yield return new RuleOp("embedding", OpKind.Library, 2, 2, Embedding,
            c => [null, c.NeedsGrad(1) ? c.Op("embedding_backward", c.Attrs, c.Grad, c.Input(0), c.Input(1)) : null]);
        yield return new RuleOp("embedding_backward", OpKind.Library, 3, 3, c => [c.Inputs[2]], null, 2);
    }

    private static IReadOnlyList<TensorType> Softmax(InferContext c)
    {
        TensorType x = c.Inputs[0];
        c.Dim(c.Attrs.Int("dim"), x.Rank);
        return [x.DType.IsFloating() ? x : x.WithDType(ScalarType.Float32)];
    }

    private static IReadOnlyList<TensorType> Conv2d(InferContext c)
    {
        TensorType x = c.Inputs[0];
        TensorType w = c.Inputs[1];
        long groups = c.Attrs.Int("groups", 1);
        if (x.Rank != 4 || w.Rank != 4)
        {
            throw c.Fail($"expected a 4-d input [N, C, H, W] and a 4-d weight [out, in/groups, kH, kW], got input {x.ShapeText} and weight {w.ShapeText}");
        }

        if (x.DType != w.DType)
        {
            throw c.Fail($"input {x} and weight {w} have different dtypes");
        }

        Dim channels = x.Shape[1];
        Dim expected = w.Shape[1].Kind == DimKind.Constant ? Dim.Constant(w.Shape[1].Offset * groups) : DimMath.Product([w.Shape[1], Dim.Constant(groups)]);
        if (DimMath.ProvablyDifferent(channels, expected))
        {
            throw c.Fail($"input {x.ShapeText} has {channels} channels, but weight {w.ShapeText} expects {expected} (groups={groups})");
        }

        if (c.Inputs.Count == 3 && (c.Inputs[2].Rank != 1 || DimMath.ProvablyDifferent(c.Inputs[2].Shape[0], w.Shape[0])))
        {
            throw c.Fail($"bias {c.Inputs[2].ShapeText} does not match weight {w.ShapeText}: expected [{w.Shape[0]}]");
        }

        EquatableArray<long> stride = c.Attrs.Ints("stride");
        EquatableArray<long> padding = c.Attrs.Ints("padding");
        EquatableArray<long> dilation = c.Attrs.Ints("dilation");
        var spatial = new Dim[2];
        for (int i = 0; i < 2; i++)
        {
            Dim kernel = w.Shape[2 + i];
            spatial[i] = kernel.Kind == DimKind.Constant
                ? DimMath.Window(x.Shape[2 + i], kernel.Offset, stride[i], padding[i], dilation[i], ceilMode: false)
                : Dim.Unknown;
            if (spatial[i].Kind == DimKind.Constant && spatial[i].Offset <= 0)
            {
                throw c.Fail($"input {x.ShapeText} (padded by {padding[i]}) is smaller than the kernel {w.Shape[2]}x{w.Shape[3]} (dilation {dilation[i]})");
            }
        }

        return [TensorType.Of(x.DType, x.Shape[0], w.Shape[0], spatial[0], spatial[1])];
    }

    private static IReadOnlyList<Value?> Conv2dVjp(VjpContext c)
    {
        Value? gx = c.NeedsGrad(0) ? c.Op("conv2d_input_grad", c.Attrs, c.Grad, c.Input(1), c.Input(0)) : null;
        Value? gw = c.NeedsGrad(1) ? c.Op("conv2d_weight_grad", c.Attrs, c.Grad, c.Input(0), c.Input(1)) : null;
        if (c.InputCount == 2)
        {
            return [gx, gw];
        }

        Value? gb = c.NeedsGrad(2) ? c.Op("sum", Attrs.Empty.With("dims", new long[] { 0, 2, 3 }), c.Grad) : null;
        return [gx, gw, gb];
    }

    private static IReadOnlyList<TensorType> Pool(InferContext c, bool withIndices)
    {
        TensorType x = c.Inputs[0];
        if (x.Rank is not (3 or 4))
        {
            throw c.Fail($"expected a 3-d [C, H, W] or 4-d [N, C, H, W] input, got {x.ShapeText}");
        }

        EquatableArray<long> kernel = c.Attrs.Ints("kernel");
        EquatableArray<long> stride = c.Attrs.Ints("stride");
        EquatableArray<long> padding = c.Attrs.Ints("padding");
        long[] dilation = c.Attrs.Has("dilation") ? c.Attrs.Ints("dilation").ToArray() : [1, 1];
        bool ceil = c.Attrs.Bool("ceil_mode", false);
        for (int i = 0; i < 2; i++)
        {
            if (padding[i] * 2 > kernel[i])
            {
                throw c.Fail($"padding {padding[i]} should be at most half of the kernel size {kernel[i]}");
            }
        }

        int h = x.Rank - 2;
        Dim oh = DimMath.Window(x.Shape[h], kernel[0], stride[0], padding[0], dilation[0], ceil);
        Dim ow = DimMath.Window(x.Shape[h + 1], kernel[1], stride[1], padding[1], dilation[1], ceil);
        if ((oh.Kind == DimKind.Constant && oh.Offset <= 0) || (ow.Kind == DimKind.Constant && ow.Offset <= 0))
        {
            throw c.Fail($"input {x.ShapeText} is too small for a {kernel[0]}x{kernel[1]} window: the output would be {oh}x{ow}");
        }

        TensorType y = x.WithShape(x.Shape.Take(h).Append(oh).Append(ow));
        return withIndices ? [y, y.WithDType(ScalarType.Int64)] : [y];
    }

    private static IReadOnlyList<TensorType> BatchNorm(InferContext c)
    {
        TensorType x = c.Inputs[0];
        bool affine = c.Attrs.Bool("affine", true);
        bool tracking = c.Attrs.Bool("track_running_stats", true);
        int expectedInputs = 1 + (affine ? 2 : 0) + (tracking ? 2 : 0);
        if (c.Inputs.Count != expectedInputs)
        {
            throw c.Fail($"expected {expectedInputs} inputs for affine={affine}, track_running_stats={tracking}, got {c.Inputs.Count}");
        }

        if (x.Rank < 2)
        {
            throw c.Fail($"expected an input of at least 2 dimensions [N, C, ...], got {x.ShapeText}");
        }

        Dim channels = x.Shape[1];
        for (int i = 1; i < c.Inputs.Count; i++)
        {
            TensorType p = c.Inputs[i];
            if (p.Rank != 1 || DimMath.ProvablyDifferent(p.Shape[0], channels))
            {
                throw c.Fail($"input {x.ShapeText} has {channels} channels but its statistics/affine parameter has shape {p.ShapeText}");
            }
        }

        TensorType perChannel = TensorType.Of(x.DType, channels);
        return [x, perChannel, perChannel];
    }

    private static IReadOnlyList<Value?> BatchNormVjp(VjpContext c)
    {
        bool affine = c.Attrs.Bool("affine", true);
        Value[] inputs = affine ? [c.Grad, c.Input(0), c.Output(1), c.Output(2), c.Input(1)] : [c.Grad, c.Input(0), c.Output(1), c.Output(2)];
        IReadOnlyList<Value> grads = c.Ops("batch_norm_backward", c.Attrs, inputs);
        var result = new Value?[c.InputCount];
        result[0] = grads[0];
        if (affine)
        {
            result[1] = grads[1];
            result[2] = grads[2];
        }

        return result;
    }

    /// <summary>batch_norm_backward(g, x, mean, invstd[, weight]) -> (dx, dweight, dbias).</summary>
    private static IReadOnlyList<TensorType> BatchNormBackward(InferContext c)
    {
        TensorType perChannel = c.Inputs[2];
        return [c.Inputs[1], perChannel, perChannel];
    }

    private static IReadOnlyList<TensorType> LayerNorm(InferContext c)
    {
        TensorType x = c.Inputs[0];
        EquatableArray<long> normalized = c.Attrs.Ints("normalized_shape");
        int k = normalized.Count;
        bool matches = k >= 1 && x.Rank >= k;
        for (int i = 0; matches && i < k; i++)
        {
            matches = !DimMath.ProvablyDifferent(x.Shape[x.Rank - k + i], Dim.Constant(normalized[i]));
        }

        if (!matches)
        {
            throw c.Fail($"input {x.ShapeText} does not end with the normalized shape [{string.Join(", ", normalized)}]");
        }

        for (int i = 1; i < c.Inputs.Count; i++)
        {
            TensorType p = c.Inputs[i];
            if (p.Rank != k || p.Shape.Where((d, j) => DimMath.ProvablyDifferent(d, Dim.Constant(normalized[j]))).Any())
            {
                throw c.Fail($"weight and bias must have the normalized shape [{string.Join(", ", normalized)}], got {p.ShapeText}");
            }
        }

        TensorType stats = x.WithShape(x.Shape.Take(x.Rank - k).Concat(Enumerable.Repeat(Dim.Constant(1), k)));
        return [x, stats, stats];
    }

    private static IReadOnlyList<Value?> LayerNormVjp(VjpContext c)
    {
        Value[] inputs = c.InputCount >= 2
            ? [c.Grad, c.Input(0), c.Output(1), c.Output(2), c.Input(1)]
            : [c.Grad, c.Input(0), c.Output(1), c.Output(2)];
        IReadOnlyList<Value> grads = c.Ops("layer_norm_backward", c.Attrs, inputs);
        return c.InputCount switch
        {
            1 => [grads[0]],
            2 => [grads[0], grads[1]],
            _ => [grads[0], grads[1], grads[2]],
        };
    }

    /// <summary>layer_norm_backward(g, x, mean, rstd[, weight]) -> (dx, dweight, dbias), the last two of the normalized shape.</summary>
    private static IReadOnlyList<TensorType> LayerNormBackward(InferContext c)
    {
        TensorType x = c.Inputs[1];
        EquatableArray<long> normalized = c.Attrs.Ints("normalized_shape");
        TensorType affine = TensorType.Of(x.DType, normalized.ToArray());
        return [x, affine, affine];
    }

    private static IReadOnlyList<TensorType> Dropout(InferContext c)
    {
        double p = c.Attrs.Real("p");
        if (p < 0 || p > 1)
        {
            throw c.Fail($"probability has to be between 0 and 1, but got {p}");
        }

        TensorType x = c.Inputs[0];
        if (!x.DType.IsFloating())
        {
            throw c.Fail($"expected a floating input, got {x}");
        }

        return [x, x];
    }

    private static IReadOnlyList<TensorType> Attention(InferContext c)
    {
        TensorType q = c.Inputs[0];
        TensorType k = c.Inputs[1];
        TensorType v = c.Inputs[2];
        string all = $"query {q.ShapeText}, key {k.ShapeText}, value {v.ShapeText}";
        if (q.Rank < 2 || k.Rank != q.Rank || v.Rank != q.Rank)
        {
            throw c.Fail($"query, key and value need the same rank, at least 2: {all}");
        }

        if (q.DType != k.DType || q.DType != v.DType || !q.DType.IsFloating())
        {
            throw c.Fail($"query, key and value must share one floating dtype, got {q.DType.ShortName()}, {k.DType.ShortName()}, {v.DType.ShortName()}");
        }

        int r = q.Rank;
        bool batchOk = Enumerable.Range(0, r - 2).All(d => !DimMath.ProvablyDifferent(q.Shape[d], k.Shape[d]) && !DimMath.ProvablyDifferent(q.Shape[d], v.Shape[d]));
        if (!batchOk || DimMath.ProvablyDifferent(q.Shape[r - 1], k.Shape[r - 1]) || DimMath.ProvablyDifferent(k.Shape[r - 2], v.Shape[r - 2]))
        {
            throw c.Fail($"expected query [.., L, E], key [.., S, E] and value [.., S, Ev] with the same batch dims: {all}");
        }

        TensorType output = q.WithShape(q.Shape.Take(r - 1).Append(v.Shape[r - 1]));
        TensorType logSumExp = q.WithShape(q.Shape.Take(r - 1));
        return [output, logSumExp];
    }

    private static IReadOnlyList<TensorType> Embedding(InferContext c)
    {
        TensorType indices = c.Inputs[0];
        TensorType weight = c.Inputs[1];
        if (indices.DType != ScalarType.Int64)
        {
            throw c.Fail($"expected int64 indices, got {indices}");
        }

        if (weight.Rank != 2)
        {
            throw c.Fail($"weight must be 2-d [num_embeddings, embedding_dim], got {weight.ShapeText}");
        }

        return [weight.WithShape(indices.Shape.Append(weight.Shape[1]))];
    }
}
