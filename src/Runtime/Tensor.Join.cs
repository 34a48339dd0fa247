using DeepGen.Autograd;
using DeepGen.Kernels;

namespace DeepGen;

// Joining tensors (cat, stack) and splitting them into views (split, chunk, unbind).
public sealed partial class Tensor
{
    /// <summary>Concatenates tensors along an existing dim; inputs are promoted to a common dtype.</summary>
    public static Tensor Cat(params Tensor[] tensors) => Cat((IReadOnlyList<Tensor>)tensors, 0);

    /// <summary>
    /// Concatenates <paramref name="tensors"/> along <paramref name="dim"/> (PyTorch's <c>torch.cat</c>).
    /// All sizes but dim's must match; 1-D empty tensors are skipped, as in PyTorch.
    /// </summary>
    public static Tensor Cat(IReadOnlyList<Tensor> tensors, int dim = 0)
    {
        if (tensors.Count == 0) throw new ArgumentException("cat: expected a non-empty list of tensors");
        var dtype = tensors[0].DType;
        for (int i = 0; i < tensors.Count; i++)
        {
            if (tensors[i].Rank == 0)
                throw new ArgumentException($"cat: zero-dimensional tensor (at position {i}) cannot be concatenated");
            dtype = DTypes.Promote(dtype, tensors[i].DType);
        }

        // PyTorch's legacy rule: a 1-D tensor of size 0 takes part in nothing but type promotion
        int reference = -1;
        for (int i = 0; i < tensors.Count && reference < 0; i++)
            if (!IsSkippedInCat(tensors[i])) reference = i;
        if (reference < 0) return new Tensor([0], dtype);

        var first = tensors[reference];
        int d = Shapes.NormalizeDim(dim, first.Rank, "cat");
        var outShape = first.ShapeArray();
        outShape[d] = 0;
        for (int i = 0; i < tensors.Count; i++)
        {
            var t = tensors[i];
            if (IsSkippedInCat(t)) continue;
            if (t.Rank != first.Rank)
                throw new ArgumentException(
                    $"cat: tensors must have the same number of dimensions: tensor {reference} has shape {Shapes.Format(first.shape)} (rank {first.Rank}) but tensor {i} has shape {Shapes.Format(t.shape)} (rank {t.Rank})");
            for (int k = 0; k < t.Rank; k++)
                if (k != d && t.shape[k] != first.shape[k])
                    throw new ArgumentException(
                        $"cat: sizes of tensors must match except in dimension {d}: tensor {reference} has shape {Shapes.Format(first.shape)} but tensor {i} has shape {Shapes.Format(t.shape)} (size {t.shape[k]} instead of {first.shape[k]} in dimension {k})");
            outShape[d] += t.shape[d];
        }

        var result = new Tensor(outShape, dtype);
        var starts = new int[tensors.Count];
        int start = 0;
        for (int i = 0; i < tensors.Count; i++)
        {
            starts[i] = start;
            var t = tensors[i];
            if (IsSkippedInCat(t)) continue;
            Elementwise.CopyInto(result.RawNarrow(d, start, t.shape[d]), t, "cat");
            start += t.shape[d];
        }

        var inputs = AsSpan(tensors);
        if (GradMode.ShouldRecord(inputs))
        {
            var node = new Node("cat", inputs);
            var sizes = new int[tensors.Count];
            var skipped = new bool[tensors.Count];
            for (int i = 0; i < tensors.Count; i++)
            {
                skipped[i] = IsSkippedInCat(tensors[i]);
                sizes[i] = skipped[i] ? 0 : tensors[i].shape[d];
            }
            node.SetBackward(g =>
            {
                var grads = new Tensor?[sizes.Length];
                for (int i = 0; i < sizes.Length; i++)
                    if (node.NeedsGrad(i))
                        grads[i] = skipped[i] ? new Tensor([0], g.DType) : g.Narrow(d, starts[i], sizes[i]);
                return grads;
            });
            result.WithGradFn(node);
        }
        return result;
    }

    /// <summary>PyTorch's legacy rule: a 1-D tensor of size 0 takes no part in a cat (but in its type promotion).</summary>
    internal static bool IsSkippedInCat(Tensor t) => t.Rank == 1 && t.shape[0] == 0;

    static ReadOnlySpan<Tensor> AsSpan(IReadOnlyList<Tensor> tensors) =>
        tensors is Tensor[] array ? array : [.. tensors];

    /// <summary>Stacks equal-shaped tensors along a new dim (PyTorch's <c>torch.stack</c>).</summary>
    public static Tensor Stack(IReadOnlyList<Tensor> tensors, int dim = 0)
    {
        if (tensors.Count == 0) throw new ArgumentException("stack: expected a non-empty list of tensors");
        var first = tensors[0];
        for (int i = 1; i < tensors.Count; i++)
            if (!Shapes.Equal(tensors[i].shape, first.shape))
                throw new ArgumentException(
                    $"stack: expects each tensor to be equal size, but got {Shapes.Format(first.shape)} at entry 0 and {Shapes.Format(tensors[i].shape)} at entry {i}");
        int d = Shapes.NormalizeDim(dim, first.Rank + 1, "stack");
        var unsqueezed = new Tensor[tensors.Count];
        for (int i = 0; i < tensors.Count; i++) unsqueezed[i] = tensors[i].Unsqueeze(d);
        return Cat(unsqueezed, d);
    }

    public static Tensor Stack(params Tensor[] tensors) => Stack((IReadOnlyList<Tensor>)tensors, 0);

    /// <summary>
    /// Views of consecutive pieces of <paramref name="splitSize"/> along dim (the last may be smaller).
    /// The pieces share this tensor's storage.
    /// </summary>
    public Tensor[] Split(int splitSize, int dim = 0)
    {
        int d = SplitDim(dim, "split");
        int size = shape[d];
        if (splitSize < 0) throw new ArgumentException($"split: expects split_size to be non-negative, but got split_size={splitSize}");
        if (splitSize == 0 && size != 0)
            throw new ArgumentException($"split: split_size can only be 0 if dimension size is 0, but got dimension {d} of size {size} (shape {Shapes.Format(shape)})");
        int count = splitSize == 0 ? 1 : Math.Max((size + splitSize - 1) / splitSize, 1);
        var pieces = new Tensor[count];
        for (int i = 0; i < count; i++)
        {
            int start = i * splitSize;
            pieces[i] = Narrow(d, start, Math.Min(splitSize, size - start));
        }
        return pieces;
    }

    /// <summary>Views of pieces with the given sizes along dim; the sizes must add up to the dim's size.</summary>
    public Tensor[] Split(int[] sizes, int dim = 0)
    {
        int d = SplitDim(dim, "split_with_sizes");
        long total = 0;
        foreach (var s in sizes)
        {
            if (s < 0)
                throw new ArgumentException($"split_with_sizes: split sizes must be non-negative, but got split_sizes={Shapes.Format(sizes)}");
            total += s;
        }
        if (total != shape[d])
            throw new ArgumentException(
                $"split_with_sizes: expects split_sizes to sum exactly to {shape[d]} (the size of dimension {d} of the input, shape {Shapes.Format(shape)}), but got split_sizes={Shapes.Format(sizes)} (sum {total})");
        var pieces = new Tensor[sizes.Length];
        int start = 0;
        for (int i = 0; i < sizes.Length; i++)
        {
            pieces[i] = Narrow(d, start, sizes[i]);
            start += sizes[i];
        }
        return pieces;
    }

    /// <summary>
    /// Splits into <paramref name="chunks"/> views of ceil(size / chunks) along dim, as PyTorch's
    /// <c>chunk</c>: the last may be smaller, and there may be fewer than asked for.
    /// </summary>
    public Tensor[] Chunk(int chunks, int dim = 0)
    {
        int d = SplitDim(dim, "chunk");
        if (chunks <= 0) throw new ArgumentException($"chunk: expects `chunks` to be greater than 0, got: {chunks}");
        int size = shape[d];
        int splitSize = (size + chunks - 1) / chunks;
        // an empty dim still gives `chunks` empty pieces, as in PyTorch
        if (size == 0) return Split(new int[chunks], d);
        return Split(splitSize, d);
    }

    /// <summary>The slices along dim, each with dim removed (views, like <see cref="Select"/>).</summary>
    public Tensor[] Unbind(int dim = 0)
    {
        int d = SplitDim(dim, "unbind");
        var slices = new Tensor[shape[d]];
        for (int i = 0; i < slices.Length; i++) slices[i] = Select(d, i);
        return slices;
    }

    int SplitDim(int dim, string op)
    {
        if (Rank == 0) throw new ArgumentException($"{op}: expects at least a 1-dimensional tensor, got shape []");
        return Shapes.NormalizeDim(dim, Rank, op);
    }

    /// <summary>A narrowed view that records nothing: for kernels writing into part of a fresh result.</summary>
    internal Tensor RawNarrow(int dim, int start, int length)
    {
        var newShape = ShapeArray();
        newShape[dim] = length;
        return ViewOf(newShape, strides, offset + (length > 0 ? start * strides[dim] : 0));
    }
}
