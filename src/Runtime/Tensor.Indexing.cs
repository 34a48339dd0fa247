using DeepGen.Autograd;
using DeepGen.Kernels;

namespace DeepGen;

// Indexing with int64 index tensors: index_select / index_add along one dim, gather / scatter_add
// elementwise. Each pair is the other's backward. The kernels are in Kernels/IndexKernels.cs.
public sealed partial class Tensor
{
    /// <summary>The slices at <paramref name="index"/> (1-D int64) along dim, in index order (PyTorch's <c>index_select</c>).</summary>
    public Tensor IndexSelect(int dim, Tensor index)
    {
        int d = CheckIndexAlongDim("index_select", dim, index);
        var result = IndexSelectRaw(d, index, "index_select");
        if (GradMode.ShouldRecord(this))
        {
            var node = new Node("index_select", this);
            var inputShape = shape;
            // backward runs under no-grad, so the in-place add writes straight into the fresh zeros;
            // the index is saved, so modifying it in place before backward is caught
            var savedIndex = node.Save(index);
            node.SetBackward(g => [Zeros(inputShape, g.DType).IndexAdd_(d, savedIndex.Get(), g)]);
            result.WithGradFn(node);
        }
        return result;
    }

    /// <summary>
    /// A copy of this tensor with alpha * source's slices added at <paramref name="index"/> (1-D int64) along dim;
    /// repeated indices accumulate (PyTorch's <c>index_add</c>).
    /// </summary>
    public Tensor IndexAdd(int dim, Tensor index, Tensor source, double alpha = 1)
    {
        int d = CheckIndexAdd("index_add", dim, index, source, alpha);
        var result = RawContiguousCopy();
        IndexKernels.IndexAdd(result, d, index, Scaled(source, alpha), "index_add");
        if (GradMode.ShouldRecord(this, source))
        {
            var node = new Node("index_add", this, source);
            var savedIndex = node.Save(index);
            node.SetBackward(g => [g, node.NeedsGrad(1) ? Scaled(g.IndexSelect(d, savedIndex.Get()), alpha) : null]);
            result.WithGradFn(node);
        }
        return result;
    }

    /// <summary>In-place <see cref="IndexAdd"/>.</summary>
    public Tensor IndexAdd_(int dim, Tensor index, Tensor source, double alpha = 1)
    {
        int d = CheckIndexAdd("index_add_", dim, index, source, alpha);
        return InPlace("index_add_", source, self => self.IndexAdd(d, index, source, alpha),
            () => IndexKernels.IndexAdd(this, d, index, Scaled(source, alpha), "index_add_"));
    }

    /// <summary>
    /// out[i][j][k] = this[index[i][j][k]][j][k] for dim 0, and likewise for other dims (PyTorch's <c>gather</c>).
    /// The index has this tensor's rank and may be smaller in every dim but <paramref name="dim"/>.
    /// </summary>
    public Tensor Gather(int dim, Tensor index)
    {
        int d = CheckGatherScatter("gather", dim, index, null);
        var result = new Tensor(index.ShapeArray(), DType);
        IndexKernels.Gather(this, d, index, result);
        if (GradMode.ShouldRecord(this))
        {
            var node = new Node("gather", this);
            var inputShape = shape;
            var savedIndex = node.Save(index);
            node.SetBackward(g => [Zeros(inputShape, g.DType).ScatterAdd_(d, savedIndex.Get(), g)]);
            result.WithGradFn(node);
        }
        return result;
    }

    /// <summary>
    /// A copy of this tensor with out[index[i][j]][j] += src[i][j] for dim 0, and likewise for other dims
    /// (PyTorch's <c>scatter_add</c>); repeated indices accumulate.
    /// </summary>
    public Tensor ScatterAdd(int dim, Tensor index, Tensor src)
    {
        int d = CheckGatherScatter("scatter_add", dim, index, src);
        var result = RawContiguousCopy();
        IndexKernels.ScatterAdd(result, d, index, src, "scatter_add");
        if (GradMode.ShouldRecord(this, src))
        {
            var node = new Node("scatter_add", this, src);
            var srcShape = src.shape;
            var savedIndex = node.Save(index);
            node.SetBackward(g => [g, node.NeedsGrad(1) ? PadTo(g.Gather(d, savedIndex.Get()), srcShape) : null]);
            result.WithGradFn(node);
        }
        return result;
    }

    /// <summary>In-place <see cref="ScatterAdd"/>.</summary>
    public Tensor ScatterAdd_(int dim, Tensor index, Tensor src)
    {
        int d = CheckGatherScatter("scatter_add_", dim, index, src);
        return InPlace("scatter_add_", src, self => self.ScatterAdd(d, index, src),
            () => IndexKernels.ScatterAdd(this, d, index, src, "scatter_add_"));
    }

    /// <summary>index_select without autograd; <paramref name="d"/> is already normalised and the index checked for shape.</summary>
    internal Tensor IndexSelectRaw(int d, Tensor index, string op)
    {
        if (Rank == 0)
        {
            // a scalar behaves as a 1-element vector, and the result stays a scalar
            return ViewOf([1], [1], offset).IndexSelectRaw(0, index, op).ViewOf([], [], 0);
        }
        var outShape = ShapeArray();
        outShape[d] = index.Numel;
        var result = new Tensor(outShape, DType);
        IndexKernels.IndexSelect(this, d, index, result, op);
        return result;
    }

    /// <summary>
    /// t (index-shaped) placed at the start of a zero tensor of <paramref name="target"/>'s shape: src elements
    /// beyond the index's extent were never scattered, so their gradient is zero.
    /// </summary>
    static Tensor PadTo(Tensor t, int[] target)
    {
        if (Shapes.Equal(t.shape, target)) return t;
        var padded = Zeros(target, t.DType);
        var region = padded;
        for (int k = 0; k < t.Rank; k++) region = region.RawNarrow(k, 0, t.shape[k]);
        region.CopyRaw(t);
        return padded;
    }

    /// <summary>A contiguous copy with its own storage that records nothing.</summary>
    Tensor RawContiguousCopy()
    {
        var copy = Uninitialized(ShapeArray(), DType);
        Elementwise.CopyInto(copy, this, "clone");
        return copy;
    }

    /// <summary>Checks dim and a 1-D (or 0-D) int64 index for index_select / index_add; returns the normalised dim.</summary>
    int CheckIndexAlongDim(string op, int dim, Tensor index)
    {
        int d = Shapes.NormalizeDim(dim, Rank, op);
        if (index.DType != DType.Int64)
            throw new ArgumentException($"{op}: expected index to be an int64 tensor, got {index.DType.Name()} (index shape {Shapes.Format(index.shape)})");
        if (index.Rank > 1)
            throw new ArgumentException($"{op}: index is supposed to be a vector, got shape {Shapes.Format(index.shape)} (input shape {Shapes.Format(shape)})");
        if (Rank == 0 && index.Numel != 1)
            throw new ArgumentException($"{op}: index to a scalar can have only 1 value, got {index.Numel} (index shape {Shapes.Format(index.shape)})");
        return d;
    }

    int CheckIndexAdd(string op, int dim, Tensor index, Tensor source, double alpha)
    {
        int d = CheckIndexAlongDim(op, dim, index);
        if (!DType.IsFloatingPoint() && alpha != Math.Floor(alpha))
            throw new ArgumentException($"{op}: for integral input tensors, alpha must not be a floating point number, got {alpha}");
        if (source.DType != DType)
            throw new ArgumentException($"{op}: self ({DType.Name()}, shape {Shapes.Format(shape)}) and source ({source.DType.Name()}, shape {Shapes.Format(source.shape)}) must have the same dtype");
        var expected = ShapeArray();
        if (Rank > 0) expected[d] = index.Numel;
        bool ok = Rank == 0 ? source.Numel == 1 && source.Rank <= 1 : Shapes.Equal(source.shape, expected);
        if (!ok)
            throw new ArgumentException(
                $"{op}: source of shape {Shapes.Format(source.shape)} does not fit self of shape {Shapes.Format(shape)} with an index of {index.Numel} entries along dimension {d}: expected source shape {Shapes.Format(expected)}");
        return d;
    }

    /// <summary>PyTorch's shape rules for gather (src null) and scatter_add; returns the normalised dim.</summary>
    int CheckGatherScatter(string op, int dim, Tensor index, Tensor? src)
    {
        int d = Shapes.NormalizeDim(dim, Rank, op);
        if (index.DType != DType.Int64)
            throw new ArgumentException($"{op}: expected index to be an int64 tensor, got {index.DType.Name()} (index shape {Shapes.Format(index.shape)})");
        if (index.Rank != Rank)
            throw new ArgumentException($"{op}: index tensor must have the same number of dimensions as the input: index shape {Shapes.Format(index.shape)}, input shape {Shapes.Format(shape)}");
        if (src is not null)
        {
            if (src.DType != DType)
                throw new ArgumentException($"{op}: self ({DType.Name()}, shape {Shapes.Format(shape)}) and src ({src.DType.Name()}, shape {Shapes.Format(src.shape)}) must have the same dtype");
            if (src.Rank != Rank)
                throw new ArgumentException($"{op}: src tensor must have the same number of dimensions as self: src shape {Shapes.Format(src.shape)}, self shape {Shapes.Format(shape)}");
        }
        for (int k = 0; k < index.Rank; k++)
        {
            if (k != d && index.shape[k] > shape[k])
                throw new ArgumentException(
                    $"{op}: size of index {Shapes.Format(index.shape)} in dimension {k} ({index.shape[k]}) must not exceed the {(src is null ? "input" : "self")}'s {Shapes.Format(shape)} ({shape[k]}) in any dimension but {d}");
            if (src is not null && index.shape[k] > src.shape[k])
                throw new ArgumentException(
                    $"{op}: size of index {Shapes.Format(index.shape)} in dimension {k} ({index.shape[k]}) must not exceed src's {Shapes.Format(src.shape)} ({src.shape[k]})");
        }
        return d;
    }
}
