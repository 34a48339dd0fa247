using DeepGen.Autograd;

namespace DeepGen;

// Views: new shapes and strides over the same storage, no copy. Each records a node whose backward maps
// the gradient back to the input's layout.
public sealed partial class Tensor
{
    /// <summary>Same storage, new shape; one dim may be -1. Fails when the strides do not allow it (use <see cref="Reshape"/>).</summary>
    public Tensor View(params int[] newShape)
    {
        var target = InferShape(newShape, "view");
        var newStrides = ViewStrides(target) ?? throw new InvalidOperationException(
            $"view: the shape {Shapes.Format(target)} is incompatible with the input's shape {Shapes.Format(shape)} and strides {Shapes.Format(strides)} (at least one dimension spans two contiguous subspaces); use Reshape(...) instead");
        return MakeView(target, newStrides, offset, "view", g => g.Reshape(shape));
    }

    /// <summary>A view when the strides allow one, else a copy (PyTorch's <c>reshape</c>).</summary>
    public Tensor Reshape(params int[] newShape)
    {
        var target = InferShape(newShape, "reshape");
        var newStrides = ViewStrides(target);
        if (newStrides is not null) return MakeView(target, newStrides, offset, "reshape", g => g.Reshape(shape));
        return Contiguous().View(target);
    }

    /// <summary>Merges dims startDim..endDim into one.</summary>
    public Tensor Flatten(int startDim = 0, int endDim = -1)
    {
        if (Rank == 0) return Reshape(1);
        int s = Shapes.NormalizeDim(startDim, Rank, "flatten"), e = Shapes.NormalizeDim(endDim, Rank, "flatten");
        if (s > e) throw new ArgumentException($"flatten: start dim {startDim} comes after end dim {endDim} for a tensor of rank {Rank}");
        var target = new List<int>();
        for (int i = 0; i < s; i++) target.Add(shape[i]);
        int merged = 1;
        for (int i = s; i <= e; i++) merged *= shape[i];
        target.Add(merged);
        for (int i = e + 1; i < Rank; i++) target.Add(shape[i]);
        return Reshape([.. target]);
    }

    /// <summary>Splits dim into the given sizes (one may be -1).</summary>
    public Tensor Unflatten(int dim, params int[] sizes)
    {
        int d = Shapes.NormalizeDim(dim, Rank, "unflatten");
        var target = new List<int>(shape[..d]);
        target.AddRange(sizes);
        target.AddRange(shape[(d + 1)..]);
        int known = 1, unknown = -1;
        for (int i = 0; i < sizes.Length; i++)
            if (sizes[i] == -1) unknown = i;
            else known *= sizes[i];
        if (unknown >= 0 && known != 0) target[d + unknown] = shape[d] / known;
        if (Shapes.Numel([.. target[d..(d + sizes.Length)]]) != shape[d])
            throw new ArgumentException($"unflatten: sizes {Shapes.Format(sizes)} do not multiply to dimension {dim}'s size {shape[d]} (shape {Shapes.Format(shape)})");
        return View([.. target]);
    }

    public Tensor Transpose(int dim0, int dim1)
    {
        int a = Shapes.NormalizeDim(dim0, Rank, "transpose"), b = Shapes.NormalizeDim(dim1, Rank, "transpose");
        var newShape = ShapeArray();
        var newStrides = (int[])strides.Clone();
        (newShape[a], newShape[b]) = (newShape[b], newShape[a]);
        (newStrides[a], newStrides[b]) = (newStrides[b], newStrides[a]);
        return MakeView(newShape, newStrides, offset, "transpose", g => g.Transpose(a, b));
    }

    /// <summary>The transpose of a 2-D tensor (PyTorch's <c>.T</c> for matrices).</summary>
    public Tensor T => Rank <= 2
        ? (Rank < 2 ? this : Transpose(0, 1))
        : throw new InvalidOperationException($"T: expects a tensor of rank <= 2, got shape {Shapes.Format(shape)}; use Transpose(dim0, dim1) or MT");

    /// <summary>Transposes the last two dims (PyTorch's <c>.mT</c>).</summary>
    public Tensor MT => Rank >= 2 ? Transpose(-2, -1)
        : throw new InvalidOperationException($"mT: expects a tensor of rank >= 2, got shape {Shapes.Format(shape)}");

    public Tensor Permute(params int[] dims)
    {
        if (dims.Length != Rank)
            throw new ArgumentException($"permute: {dims.Length} dims {Shapes.Format(dims)} given for a tensor of rank {Rank} (shape {Shapes.Format(shape)})");
        var seen = new bool[Rank];
        var normalized = new int[Rank];
        var newShape = new int[Rank];
        var newStrides = new int[Rank];
        for (int i = 0; i < Rank; i++)
        {
            int d = Shapes.NormalizeDim(dims[i], Rank, "permute");
            if (seen[d]) throw new ArgumentException($"permute: dimension {d} repeats in {Shapes.Format(dims)}");
            seen[d] = true;
            normalized[i] = d;
            newShape[i] = shape[d];
            newStrides[i] = strides[d];
        }
        var inverse = new int[Rank];
        for (int i = 0; i < Rank; i++) inverse[normalized[i]] = i;
        return MakeView(newShape, newStrides, offset, "permute", g => g.Permute(inverse));
    }

    /// <summary>Broadcasts size-1 dims to larger sizes without copying (-1 keeps a dim).</summary>
    public Tensor Expand(params int[] sizes)
    {
        if (sizes.Length < Rank)
            throw new ArgumentException($"expand: the number of sizes {Shapes.Format(sizes)} must be at least the tensor's rank {Rank} (shape {Shapes.Format(shape)})");
        int lead = sizes.Length - Rank;
        var newShape = new int[sizes.Length];
        var newStrides = new int[sizes.Length];
        for (int i = 0; i < sizes.Length; i++)
        {
            int own = i >= lead ? shape[i - lead] : 1;
            int size = sizes[i] == -1 && i >= lead ? own : sizes[i];
            if (size < 0) throw new ArgumentException($"expand: size {sizes[i]} at dimension {i} is invalid for {Shapes.Format(sizes)}");
            if (own != size && own != 1)
                throw new ArgumentException($"expand: the size of dimension {i} must match the existing size {own} or that size must be 1: cannot expand {Shapes.Format(shape)} to {Shapes.Format(sizes)}");
            newShape[i] = size;
            newStrides[i] = i < lead || (own == 1 && size != 1) ? 0 : strides[i - lead];
        }
        // the engine sums the gradient back over the broadcast dims
        return MakeView(newShape, newStrides, offset, "expand", g => g);
    }

    public Tensor ExpandAs(Tensor other) => Expand(other.ShapeArray());

    /// <summary>Removes every size-1 dim.</summary>
    public Tensor Squeeze()
    {
        var kept = new List<int>();
        var keptStrides = new List<int>();
        for (int i = 0; i < Rank; i++)
            if (shape[i] != 1) { kept.Add(shape[i]); keptStrides.Add(strides[i]); }
        return MakeView([.. kept], [.. keptStrides], offset, "squeeze", g => g.Reshape(shape));
    }

    /// <summary>Removes dim if its size is 1 (else returns the same shape, as PyTorch does).</summary>
    public Tensor Squeeze(int dim)
    {
        int d = Shapes.NormalizeDim(dim, Rank, "squeeze");
        if (Rank == 0 || shape[d] != 1) return MakeView(ShapeArray(), (int[])strides.Clone(), offset, "squeeze", g => g);
        return MakeView([.. shape[..d], .. shape[(d + 1)..]], [.. strides[..d], .. strides[(d + 1)..]], offset, "squeeze", g => g.Reshape(shape));
    }

    /// <summary>Inserts a size-1 dim at <paramref name="dim"/> (which may be Rank, or negative).</summary>
    public Tensor Unsqueeze(int dim)
    {
        int d = Shapes.NormalizeDim(dim, Rank + 1, "unsqueeze");
        int stride = d < Rank ? strides[d] * shape[d] : 1;
        return MakeView([.. shape[..d], 1, .. shape[d..]], [.. strides[..d], stride, .. strides[d..]], offset, "unsqueeze", g => g.Reshape(shape));
    }

    /// <summary>Elements start..start+length-1 along dim.</summary>
    public Tensor Narrow(int dim, int start, int length)
    {
        int d = Shapes.NormalizeDim(dim, Rank, "narrow");
        if (start < 0) start += shape[d];
        if (start < 0 || length < 0 || start + length > shape[d])
            throw new ArgumentOutOfRangeException(nameof(start), $"narrow: start {start} and length {length} are out of range for dimension {dim} of size {shape[d]} (shape {Shapes.Format(shape)})");
        return Slice(d, start, start + length, 1);
    }

    /// <summary>Python-style slice start:end:step along dim (negative indices count from the end, bounds are clamped).</summary>
    public Tensor Slice(int dim, int? start = null, int? end = null, int step = 1)
    {
        int d = Shapes.NormalizeDim(dim, Rank, "slice");
        if (step <= 0) throw new ArgumentException($"slice: step must be positive, got {step}");
        int size = shape[d];
        int s = ClampIndex(start ?? 0, size), e = ClampIndex(end ?? size, size);
        int count = e > s ? (e - s + step - 1) / step : 0;
        var newShape = ShapeArray();
        var newStrides = (int[])strides.Clone();
        newShape[d] = count;
        newStrides[d] = strides[d] * step;
        int newOffset = offset + (count > 0 ? s * strides[d] : 0);
        var inputShape = shape;
        return MakeView(newShape, newStrides, newOffset, "slice", g => SliceGradient(g, inputShape, d, s, e, step, "copy_"));
    }

    /// <summary>
    /// The gradient of a slice: <paramref name="gradient"/> at start:end:step along <paramref name="dim"/> of zeros
    /// shaped like the sliced tensor (<paramref name="op"/> names the copy in a shape error).
    /// </summary>
    internal static Tensor SliceGradient(Tensor gradient, int[] inputShape, int dim, int start, int end, int step, string op)
    {
        var full = Zeros(inputShape, gradient.DType);
        Kernels.Elementwise.CopyInto(full.Slice(dim, start, end, step), gradient, op);
        return full;
    }

    static int ClampIndex(int index, int size) => Math.Clamp(index < 0 ? index + size : index, 0, size);

    /// <summary>The slice at <paramref name="index"/> along dim, with that dim removed.</summary>
    public Tensor Select(int dim, int index)
    {
        int d = Shapes.NormalizeDim(dim, Rank, "select");
        int i = index < 0 ? index + shape[d] : index;
        if (i < 0 || i >= shape[d])
            throw new IndexOutOfRangeException($"select: index {index} is out of bounds for dimension {dim} with size {shape[d]} (shape {Shapes.Format(shape)})");
        var inputShape = shape;
        return MakeView([.. shape[..d], .. shape[(d + 1)..]], [.. strides[..d], .. strides[(d + 1)..]], offset + i * strides[d], "select", g =>
        {
            var full = Zeros(inputShape, g.DType);
            full.Select(d, i).CopyRaw(g);
            return full;
        });
    }

    /// <summary>
    /// NumPy-style indexing: <c>x[0]</c>, <c>x[1.., ..2]</c>, <c>x[TensorIndex.Slice(0, 10, 2)]</c>,
    /// <c>x[TensorIndex.Ellipsis, 0]</c>, <c>x[TensorIndex.NewAxis]</c>. Ints remove their dim, ranges keep it.
    /// </summary>
    [System.Runtime.CompilerServices.IndexerName("Index")]
    public Tensor this[params TensorIndex[] indices]
    {
        get
        {
            int ellipses = 0, consuming = 0;
            foreach (var ix in indices)
            {
                if (ix.Kind == TensorIndex.IndexKind.Ellipsis) ellipses++;
                else if (ix.Kind != TensorIndex.IndexKind.NewAxis) consuming++;
            }
            if (ellipses > 1) throw new ArgumentException("index: an index can only have a single ellipsis");
            if (consuming > Rank)
                throw new IndexOutOfRangeException($"index: too many indices ({consuming}) for a tensor of rank {Rank} (shape {Shapes.Format(shape)})");
            var t = this;
            int dim = 0;
            foreach (var ix in indices)
            {
                switch (ix.Kind)
                {
                    case TensorIndex.IndexKind.Single: t = t.Select(dim, ix.Start); break;
                    case TensorIndex.IndexKind.Slice: t = t.Slice(dim, ix.SliceStart, ix.SliceEnd, ix.Step); dim++; break;
                    case TensorIndex.IndexKind.NewAxis: t = t.Unsqueeze(dim); dim++; break;
                    case TensorIndex.IndexKind.Ellipsis: dim += Rank - consuming; break;
                }
            }
            return t;
        }
    }

    Tensor MakeView(int[] newShape, int[] newStrides, int newOffset, string op, Func<Tensor, Tensor> backward)
    {
        var view = ViewOf(newShape, newStrides, newOffset);
        view.ViewBase = ViewBase ?? this;
        if (GradMode.ShouldRecord(this))
        {
            var node = new Node(op, this);
            node.SetBackward(g => [backward(g)]);
            view.WithGradFn(node);
        }
        return view;
    }

    int[] InferShape(int[] requested, string op)
    {
        int inferred = -1;
        long known = 1;
        for (int i = 0; i < requested.Length; i++)
        {
            if (requested[i] == -1)
            {
                if (inferred >= 0) throw new ArgumentException($"{op}: only one dimension can be inferred (-1) in {Shapes.Format(requested)}");
                inferred = i;
            }
            else if (requested[i] < 0) throw new ArgumentException($"{op}: invalid size {requested[i]} in {Shapes.Format(requested)}");
            else known *= requested[i];
        }
        var result = (int[])requested.Clone();
        int numel = Numel;
        if (inferred >= 0)
        {
            if (known == 0 || numel % known != 0)
                throw new ArgumentException($"{op}: shape {Shapes.Format(requested)} is invalid for an input of {numel} elements (shape {Shapes.Format(shape)})");
            result[inferred] = (int)(numel / known);
        }
        else if (known != numel)
            throw new ArgumentException($"{op}: shape {Shapes.Format(requested)} is invalid for an input of {numel} elements (shape {Shapes.Format(shape)})");
        return result;
    }

    /// <summary>
    /// Strides that let this tensor's elements be seen with <paramref name="target"/>'s shape without a copy,
    /// or null (the algorithm of PyTorch's computeStride: each chunk of contiguous dims maps to target dims).
    /// </summary>
    int[]? ViewStrides(int[] target)
    {
        var result = new int[target.Length];
        if (Numel == 0 || Rank == 0) return Shapes.ContiguousStrides(target);
        int viewDim = target.Length - 1;
        int chunkBase = Rank > 0 ? strides[Rank - 1] : 1;
        long tensorNumel = 1, viewNumel = 1;
        for (int d = Rank - 1; d >= 0; d--)
        {
            tensorNumel *= shape[d];
            if (d == 0 || (shape[d - 1] != 1 && strides[d - 1] != tensorNumel * chunkBase))
            {
                while (viewDim >= 0 && (viewNumel < tensorNumel || target[viewDim] == 1))
                {
                    result[viewDim] = (int)(viewNumel * chunkBase);
                    viewNumel *= target[viewDim];
                    viewDim--;
                }
                if (viewNumel != tensorNumel) return null;
                if (d > 0)
                {
                    chunkBase = strides[d - 1];
                    tensorNumel = 1;
                    viewNumel = 1;
                }
            }
        }
        if (viewDim != -1) return null;
        return result;
    }
}

/// <summary>One entry of a tensor index: an int, a range, a stepped slice, an ellipsis or a new axis.</summary>
public readonly struct TensorIndex
{
    internal enum IndexKind { Single, Slice, Ellipsis, NewAxis }

    internal IndexKind Kind { get; init; }
    internal int Start { get; init; }
    internal int? SliceStart { get; init; }
    internal int? SliceEnd { get; init; }
    internal int Step { get; init; }

    public static implicit operator TensorIndex(int index) => new() { Kind = IndexKind.Single, Start = index };

    public static implicit operator TensorIndex(Range range) => new()
    {
        Kind = IndexKind.Slice,
        SliceStart = range.Start.IsFromEnd ? -range.Start.Value : range.Start.Value,
        SliceEnd = range.End.IsFromEnd ? (range.End.Value == 0 ? null : -range.End.Value) : range.End.Value,
        Step = 1,
    };

    /// <summary>Python's start:end:step.</summary>
    public static TensorIndex Slice(int? start = null, int? end = null, int step = 1) =>
        new() { Kind = IndexKind.Slice, SliceStart = start, SliceEnd = end, Step = step };

    /// <summary>Python's <c>...</c>: as many full slices as the other indices leave.</summary>
    public static TensorIndex Ellipsis { get; } = new() { Kind = IndexKind.Ellipsis };

    /// <summary>Python's <c>None</c>: inserts a size-1 dim.</summary>
    public static TensorIndex NewAxis { get; } = new() { Kind = IndexKind.NewAxis };
}
