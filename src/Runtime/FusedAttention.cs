using DeepGen.Kernels;

namespace DeepGen;

/// <summary>
/// Scaled dot-product attention on the blocked kernel (<see cref="AttentionKernel{T}"/>), on tensors: the
/// forward returns the output and each query row's log-sum-exp, the backward the three input gradients.
/// Operands are read in place when their last dim is contiguous (heads cut out by a transpose cost no
/// copy), and the output and gradients take the layout of query, key and value as PyTorch's kernels do,
/// so transposing heads back ([B, H, T, d] -> [B, T, H, d]) and merging them is a view. Shared by the eager
/// op (<see cref="F.ScaledDotProductAttention"/>) and the compiled path (<c>Library</c>); records no autograd.
/// </summary>
internal static class FusedAttention
{
    const string Op = "scaled_dot_product_attention";

    /// <summary>Whether the fused kernel can run: one floating dtype and the same batch dims (no broadcasting).</summary>
    public static bool Applies(Tensor query, Tensor key, Tensor value) =>
        query.DType is DType.Float32 or DType.Float64 && key.DType == query.DType && value.DType == query.DType
        && query.Rank >= 2 && key.Rank == query.Rank && value.Rank == query.Rank
        && query.Shape[..^2].SequenceEqual(key.Shape[..^2]) && query.Shape[..^2].SequenceEqual(value.Shape[..^2])
        && query.Size(-1) == key.Size(-1) && key.Size(-2) == value.Size(-2);

    public static (Tensor Output, Tensor LogSumExp) Forward(Tensor query, Tensor key, Tensor value, bool causal, double scale)
    {
        Check(query, key, value);
        int l = query.Size(-2), s = key.Size(-2), e = query.Size(-1), ev = value.Size(-1);
        var output = LaidOutLike(query, [.. query.Shape[..^1], ev]);
        var logSumExp = Tensor.Uninitialized(query.Shape[..^1].ToArray(), query.DType);
        if (output.Numel == 0 && logSumExp.Numel == 0) return (output, logSumExp);
        var (q, k, v) = (Readable(query), Readable(key), Readable(value));
        if (query.DType == DType.Float32)
            AttentionKernel<float>.Forward(Operand<float>(q), Operand<float>(k), Operand<float>(v), Operand<float>(output), logSumExp.Data<float>(),
                l, s, e, ev, (float)scale, causal);
        else
            AttentionKernel<double>.Forward(Operand<double>(q), Operand<double>(k), Operand<double>(v), Operand<double>(output), logSumExp.Data<double>(),
                l, s, e, ev, scale, causal);
        return (output, logSumExp);
    }

    /// <summary>(dQuery, dKey, dValue) from the gradient of the output, the inputs, and the forward's output and log-sum-exp.</summary>
    public static (Tensor GradQuery, Tensor GradKey, Tensor GradValue) Backward(Tensor gradOutput, Tensor query, Tensor key, Tensor value,
        Tensor output, Tensor logSumExp, bool causal, double scale)
    {
        Check(query, key, value);
        if (!gradOutput.Shape.SequenceEqual(output.Shape) || !logSumExp.Shape.SequenceEqual(query.Shape[..^1]))
            throw new ArgumentException($"{Op}_backward: expected the output gradient of shape {Shapes.Format(output.Shape)} and a log-sum-exp of shape " +
                $"{Shapes.Format(query.Shape[..^1])}, got {Shapes.Format(gradOutput.Shape)} and {Shapes.Format(logSumExp.Shape)}");
        int l = query.Size(-2), s = key.Size(-2), e = query.Size(-1), ev = value.Size(-1);
        var gradQuery = LaidOutLike(query, query.ShapeArray());
        var gradKey = LaidOutLike(key, key.ShapeArray());
        var gradValue = LaidOutLike(value, value.ShapeArray());
        if (query.Numel + key.Numel + value.Numel == 0) return (gradQuery, gradKey, gradValue);
        var (g, q, k, v, o) = (Readable(gradOutput.RawTo(query.DType)), Readable(query), Readable(key), Readable(value), Readable(output));
        var lse = logSumExp.RawTo(query.DType).RawContiguous();
        if (query.DType == DType.Float32)
            AttentionKernel<float>.Backward(Operand<float>(g), Operand<float>(q), Operand<float>(k), Operand<float>(v), Operand<float>(o), Contiguous<float>(lse),
                Operand<float>(gradQuery), Operand<float>(gradKey), Operand<float>(gradValue), l, s, e, ev, (float)scale, causal);
        else
            AttentionKernel<double>.Backward(Operand<double>(g), Operand<double>(q), Operand<double>(k), Operand<double>(v), Operand<double>(o), Contiguous<double>(lse),
                Operand<double>(gradQuery), Operand<double>(gradKey), Operand<double>(gradValue), l, s, e, ev, scale, causal);
        return (gradQuery, gradKey, gradValue);
    }

    static void Check(Tensor query, Tensor key, Tensor value)
    {
        if (!Applies(query, key, value))
            throw new ArgumentException($"{Op}: expected query [.., L, E], key [.., S, E] and value [.., S, Ev] with the same batch dims and one floating dtype: " +
                $"query {Shapes.Format(query.Shape)} ({query.DType.Name()}), key {Shapes.Format(key.Shape)} ({key.DType.Name()}), value {Shapes.Format(value.Shape)} ({value.DType.Name()})");
    }

    /// <summary><paramref name="t"/> itself when its rows are contiguous (the kernel reads any batch and row strides), else a contiguous copy.</summary>
    static Tensor Readable(Tensor t) => t.Size(-1) <= 1 || t.Stride(-1) == 1 ? t : t.RawContiguous();

    /// <summary>The log-sum-exp's elements: contiguous, starting at index 0 of the array handed to the kernel.</summary>
    static T[] Contiguous<T>(Tensor t) where T : unmanaged
    {
        var data = t.Data<T>();
        return t.StorageOffset == 0 && data.Length == t.Numel ? data : t.ContiguousSpan<T>().ToArray();
    }

    /// <summary>The (batch, head) matrices of a tensor whose last dim is contiguous.</summary>
    static AttentionOperand<T> Operand<T>(Tensor t) where T : unmanaged
    {
        int batchRank = t.Rank - 2;
        int count = 1;
        for (int d = 0; d < batchRank; d++) count *= t.Shape[d];
        var offsets = new int[count];
        for (int b = 0; b < count; b++)
        {
            int rest = b, offset = t.StorageOffset;
            for (int d = batchRank - 1; d >= 0; d--)
            {
                offset += rest % t.Shape[d] * t.Strides[d];
                rest /= t.Shape[d];
            }
            offsets[b] = offset;
        }
        return new AttentionOperand<T>(t.Data<T>(), offsets, t.Stride(-2));
    }

    /// <summary>
    /// A new tensor of <paramref name="shape"/> whose dims (the last excepted, always innermost) are ordered in
    /// memory as <paramref name="layout"/>'s are: heads [B, H, T, d] viewed out of [B, T, H, d] give a result
    /// stored as [B, T, H, d'].
    /// </summary>
    static Tensor LaidOutLike(Tensor layout, int[] shape)
    {
        int rank = shape.Length;
        int[] order = [.. Enumerable.Range(0, rank - 1).OrderByDescending(d => layout.Shape[d] == 1 ? int.MaxValue : layout.Strides[d]), rank - 1];
        var stored = Tensor.Uninitialized([.. order.Select(d => shape[d])], layout.DType);
        var strides = new int[rank];
        for (int i = 0; i < rank; i++) strides[order[i]] = stored.Strides[i];
        return stored.ViewOf(shape, strides, 0);
    }
}
