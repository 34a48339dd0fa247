using DeepGen.Autograd;
using DeepGen.Kernels;

namespace DeepGen;

/// <summary>Functional ops with PyTorch's <c>torch.nn.functional</c> names.</summary>
public static partial class F
{
    /// <summary>
    /// Looks up rows of <paramref name="weight"/> [num_embeddings, embedding_dim] for int64
    /// <paramref name="indices"/> of any shape; the result has shape indices.shape + [embedding_dim].
    /// The row at <paramref name="paddingIdx"/> (negative counts from the end) receives no gradient.
    /// </summary>
    public static Tensor Embedding(Tensor indices, Tensor weight, long? paddingIdx = null)
    {
        if (weight.Rank != 2)
            throw new ArgumentException($"embedding: weight must be 2-D [num_embeddings, embedding_dim], got shape {Shapes.Format(weight.Shape)}");
        if (indices.DType != DType.Int64)
            throw new ArgumentException($"embedding: expected indices to be an int64 tensor, got {indices.DType.Name()} (indices shape {Shapes.Format(indices.Shape)})");
        int num = weight.shape[0], dim = weight.shape[1];
        long? padding = paddingIdx;
        if (padding is { } p)
        {
            if (p < -num || p >= num)
                throw new ArgumentOutOfRangeException(nameof(paddingIdx), $"embedding: padding_idx {p} must be within num_embeddings {num} (weight shape {Shapes.Format(weight.Shape)})");
            if (p < 0) padding = p + num;
        }

        var flat = indices.Reshape(-1);
        var values = IndexKernels.Read(flat);
        int bad = IndexKernels.FindOutOfRange(values, num);
        if (bad >= 0)
            throw new IndexOutOfRangeException(
                $"embedding: index {values[bad]} at position {IndexKernels.FormatPosition(bad, indices.shape)} is out of range for num_embeddings {num} (weight shape {Shapes.Format(weight.Shape)}, indices shape {Shapes.Format(indices.Shape)})");

        var rows = weight.IndexSelectRaw(0, flat, "embedding");
        int[] resultShape = [.. indices.shape, dim];
        var result = rows.ViewOf(resultShape, Shapes.ContiguousStrides(resultShape), 0);
        if (GradMode.ShouldRecord(weight))
        {
            var node = new Node("embedding", weight);
            var weightShape = weight.ShapeArray();
            var savedIndices = node.Save(flat);
            node.SetBackward(g =>
            {
                var grad = Tensor.Zeros(weightShape, g.DType).IndexAdd_(0, savedIndices.Get(), g.Reshape(-1, dim));
                if (padding is { } row) grad.Select(0, (int)row).Zero_();
                return [grad];
            });
            result.WithGradFn(node);
        }
        return result;
    }
}
