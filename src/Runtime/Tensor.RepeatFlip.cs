using DeepGen.Autograd;
using DeepGen.Kernels;

namespace DeepGen;

// Copies that rearrange elements: repeat (tiling) and flip (reversal along dims).
public sealed partial class Tensor
{
    /// <summary>
    /// Tiles this tensor <paramref name="repeats"/>[i] times along each dim (PyTorch's <c>repeat</c>, NumPy's
    /// <c>tile</c>); extra leading repeats add leading dims. Always a copy.
    /// </summary>
    public Tensor Repeat(params int[] repeats)
    {
        if (repeats.Length < Rank)
            throw new ArgumentException(
                $"repeat: the number of repeats {Shapes.Format(repeats)} can not be smaller than the tensor's rank {Rank} (shape {Shapes.Format(shape)})");
        foreach (var r in repeats)
            if (r < 0) throw new ArgumentException($"repeat: repeats must be non-negative, got {Shapes.Format(repeats)}");
        int lead = repeats.Length - Rank;
        // [s0, s1] tiled [r0, r1] is [1, s0, 1, s1] expanded to [r0, s0, r1, s1], copied, then merged pairwise;
        // expand's backward sums the tiles' gradients back onto the original elements
        var interleaved = new int[2 * repeats.Length];
        var expanded = new int[2 * repeats.Length];
        var result = new int[repeats.Length];
        for (int i = 0; i < repeats.Length; i++)
        {
            int size = i < lead ? 1 : shape[i - lead];
            interleaved[2 * i] = 1;
            interleaved[2 * i + 1] = size;
            expanded[2 * i] = repeats[i];
            expanded[2 * i + 1] = size;
            result[i] = repeats[i] * size;
        }
        return Reshape(interleaved).Expand(expanded).Clone().View(result);
    }

    /// <summary>A copy with the order of elements reversed along each of <paramref name="dims"/> (PyTorch's <c>flip</c>).</summary>
    public Tensor Flip(params int[] dims)
    {
        var flipped = new bool[Rank];
        foreach (var dim in dims)
        {
            int d = Shapes.NormalizeDim(dim, Rank, "flip");
            if (Rank == 0) continue;
            if (flipped[d]) throw new ArgumentException($"flip: dimension {d} appears multiple times in the list of dims {Shapes.Format(dims)}");
            flipped[d] = true;
        }
        // a view that walks the flipped dims backwards (negative strides), copied out; it never escapes
        var reversedStrides = (int[])strides.Clone();
        int start = offset;
        for (int d = 0; d < Rank; d++)
        {
            if (!flipped[d] || shape[d] == 0) continue;
            start += (shape[d] - 1) * strides[d];
            reversedStrides[d] = -strides[d];
        }
        var result = new Tensor(ShapeArray(), DType);
        Elementwise.CopyInto(result, ViewOf(shape, reversedStrides, start), "flip");
        if (GradMode.ShouldRecord(this))
        {
            var node = new Node("flip", this);
            var normalized = new List<int>();
            for (int d = 0; d < Rank; d++) if (flipped[d]) normalized.Add(d);
            int[] flipDims = [.. normalized];
            node.SetBackward(g => [g.Flip(flipDims)]);
            result.WithGradFn(node);
        }
        return result;
    }
}
