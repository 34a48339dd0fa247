namespace DeepGen.Data;

/// <summary>
/// A dataset of tensors that share their first dimension: item i is row i of each (PyTorch's
/// <c>TensorDataset</c>). The tensors are held detached from autograd and contiguous (a non-contiguous
/// input is copied once here), so a batch is gathered with one block copy per row or run of rows.
/// </summary>
public sealed class TensorDataset
{
    readonly Tensor[] tensors;

    public TensorDataset(params Tensor[] tensors)
    {
        if (tensors.Length == 0) throw new ArgumentException("TensorDataset: at least one tensor is required");
        for (int i = 0; i < tensors.Length; i++)
        {
            if (tensors[i].Rank == 0)
                throw new ArgumentException($"TensorDataset: tensor {i} is 0-dimensional (shape []); items are indexed along dimension 0");
            if (tensors[i].shape[0] != tensors[0].shape[0])
                throw new ArgumentException($"TensorDataset: size mismatch between tensors: tensor 0 has shape {Shapes.Format(tensors[0].shape)} and tensor {i} has shape {Shapes.Format(tensors[i].shape)}; their first dimensions must agree");
        }
        this.tensors = [.. tensors.Select(t => t.Detach().RawContiguous())];
    }

    /// <summary>Number of items (the size of every tensor's first dimension).</summary>
    public int Count => tensors[0].shape[0];

    public IReadOnlyList<Tensor> Tensors => tensors;

    /// <summary>Item <paramref name="index"/>: row <paramref name="index"/> of each tensor, as views.</summary>
    public Tensor[] this[int index]
    {
        get
        {
            CheckIndex(index);
            return [.. tensors.Select(t => t.Select(0, index))];
        }
    }

    /// <summary>
    /// The rows at <paramref name="indices"/> of each tensor, stacked into new contiguous tensors of shape
    /// [indices.Length, ...]. Runs of consecutive indices are copied as one block.
    /// </summary>
    public Tensor[] Gather(ReadOnlySpan<int> indices)
    {
        foreach (var i in indices) CheckIndex(i);
        var batch = new Tensor[tensors.Length];
        for (int k = 0; k < tensors.Length; k++)
        {
            var source = tensors[k];
            int[] shape = [indices.Length, .. source.shape.AsSpan(1)];
            var result = new Tensor(shape, source.DType);
            int rowLength = Shapes.Numel(source.shape.AsSpan(1));
            switch (source.DType)
            {
                case DType.Float32: GatherRows<float>(source, result, indices, rowLength); break;
                case DType.Float64: GatherRows<double>(source, result, indices, rowLength); break;
                case DType.Int64: GatherRows<long>(source, result, indices, rowLength); break;
                case DType.Bool: GatherRows<bool>(source, result, indices, rowLength); break;
            }
            batch[k] = result;
        }
        return batch;
    }

    static void GatherRows<T>(Tensor source, Tensor result, ReadOnlySpan<int> indices, int rowLength) where T : unmanaged
    {
        var src = source.Data<T>().AsSpan(source.offset);
        var dst = result.Data<T>().AsSpan();
        int i = 0;
        while (i < indices.Length)
        {
            int run = 1;
            while (i + run < indices.Length && indices[i + run] == indices[i] + run) run++;
            src.Slice(indices[i] * rowLength, run * rowLength).CopyTo(dst.Slice(i * rowLength));
            i += run;
        }
    }

    void CheckIndex(int index)
    {
        if ((uint)index >= (uint)Count)
            throw new IndexOutOfRangeException($"TensorDataset: index {index} is out of range for a dataset of {Count} items");
    }
}
