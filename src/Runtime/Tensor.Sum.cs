using System.Numerics;
using DeepGen.Autograd;

namespace DeepGen;

// Sum over dims: the reduction every backward needs (broadcast gradients are summed back with it).
public sealed partial class Tensor
{
    /// <summary>Sum of all elements, as a 0-d tensor.</summary>
    public Tensor Sum() => Sum([], keepdim: false);

    public Tensor Sum(int dim, bool keepdim = false) => Sum([dim], keepdim);

    /// <summary>Sum over <paramref name="dims"/> (all dims when empty); bool and int64 sum as int64.</summary>
    public Tensor Sum(int[] dims, bool keepdim = false)
    {
        var reduce = ReducedDims(dims, "sum");
        var input = DType == DType.Bool ? RawTo(DType.Int64) : this;
        var result = SumKernel(input, reduce, keepdim);
        if (GradMode.ShouldRecord(this))
        {
            var node = new Node("sum", this);
            var keptShape = KeepDimShape(reduce);
            var inputShape = shape;
            node.SetBackward(g => [g.Reshape(keptShape).Expand(inputShape)]);
            result.WithGradFn(node);
        }
        return result;
    }

    /// <summary>Sums a broadcast gradient back down to <paramref name="target"/> (the inverse of broadcasting).</summary>
    internal Tensor SumToShape(int[] target, string op)
    {
        int lead = Rank - target.Length;
        if (lead < 0) throw new InvalidOperationException($"{op}: gradient of shape {Shapes.Format(shape)} cannot be reduced to shape {Shapes.Format(target)}");
        var dims = new List<int>();
        for (int i = 0; i < Rank; i++)
        {
            if (i < lead) dims.Add(i);
            else if (target[i - lead] == 1 && shape[i] != 1) dims.Add(i);
            else if (target[i - lead] != shape[i])
                throw new InvalidOperationException($"{op}: gradient of shape {Shapes.Format(shape)} cannot be reduced to shape {Shapes.Format(target)}");
        }
        var summed = dims.Count == 0 ? this : SumKernel(this, Mask(dims), keepdim: true);
        return summed.Reshape(target);
    }

    bool[] Mask(List<int> dims)
    {
        var mask = new bool[Rank];
        foreach (var d in dims) mask[d] = true;
        return mask;
    }

    /// <summary>Which dims a reduction removes: normalised, duplicates rejected, empty meaning all.</summary>
    internal bool[] ReducedDims(int[] dims, string op)
    {
        var mask = new bool[Rank];
        if (dims.Length == 0)
        {
            Array.Fill(mask, true);
            return mask;
        }
        foreach (var dim in dims)
        {
            int d = Shapes.NormalizeDim(dim, Rank, op);
            if (Rank == 0) continue;
            if (mask[d]) throw new ArgumentException($"{op}: dimension {d} appears more than once in {Shapes.Format(dims)}");
            mask[d] = true;
        }
        return mask;
    }

    /// <summary>The input's shape with reduced dims set to 1.</summary>
    internal int[] KeepDimShape(bool[] reduce)
    {
        var kept = ShapeArray();
        for (int i = 0; i < Rank; i++)
            if (reduce[i]) kept[i] = 1;
        return kept;
    }

    /// <summary>The result shape of a reduction.</summary>
    internal int[] ReducedShape(bool[] reduce, bool keepdim)
    {
        if (keepdim) return KeepDimShape(reduce);
        var kept = new List<int>();
        for (int i = 0; i < Rank; i++)
            if (!reduce[i]) kept.Add(shape[i]);
        return [.. kept];
    }

    /// <summary>
    /// Moves the kept dims to the front and the reduced dims to the back, contiguous, so each output element
    /// reduces one contiguous block. Returns the block length along with the permuted tensor.
    /// </summary>
    internal (Tensor Blocks, int BlockLength) ReductionLayout(bool[] reduce)
    {
        var order = new List<int>();
        int blockLength = 1;
        for (int i = 0; i < Rank; i++) if (!reduce[i]) order.Add(i);
        for (int i = 0; i < Rank; i++) if (reduce[i]) { order.Add(i); blockLength *= shape[i]; }
        var permuted = Rank == 0 ? this : ViewOf([.. order.Select(d => shape[d])], [.. order.Select(d => strides[d])], offset);
        return (permuted.IsContiguous ? permuted : permuted.RawTo(DType).RawContiguous(), blockLength);
    }

    /// <summary>A contiguous copy that records nothing.</summary>
    internal Tensor RawContiguous()
    {
        if (IsContiguous) return this;
        var result = Uninitialized(ShapeArray(), DType);
        Kernels.Elementwise.CopyInto(result, this, "contiguous");
        return result;
    }

    /// <summary>
    /// For a reduction of some leading and some trailing dims only (one block of kept dims between them):
    /// the number of elements before, in and after the kept block; null for any other pattern.
    /// </summary>
    static (int Outer, int Kept, int Inner)? KeptBlock(int[] shape, bool[] reduce)
    {
        int first = Array.IndexOf(reduce, false), last = Array.LastIndexOf(reduce, false);
        if (first < 0) return null;
        for (int i = first; i <= last; i++)
            if (reduce[i]) return null;
        int outer = 1, kept = 1, inner = 1;
        for (int i = 0; i < shape.Length; i++)
        {
            if (i < first) outer *= shape[i];
            else if (i <= last) kept *= shape[i];
            else inner *= shape[i];
        }
        return (outer, kept, inner);
    }

    static void SumBlocks<T, TAcc>(Tensor blocks, int blockLength, Tensor result)
        where T : unmanaged, INumber<T> where TAcc : unmanaged, INumber<TAcc>
    {
        var src = blocks.Data<T>();
        var dst = result.Data<T>();
        for (int i = 0, o = blocks.offset; i < dst.Length; i++, o += blockLength)
        {
            var sum = TAcc.Zero;
            for (int j = 0; j < blockLength; j++) sum += TAcc.CreateTruncating(src[o + j]);
            dst[i] = T.CreateTruncating(sum);
        }
    }

    static Tensor SumKernel(Tensor input, bool[] reduce, bool keepdim)
    {
        var result = new Tensor(input.ReducedShape(reduce, keepdim), input.DType);
        // reduced dims around one kept block of a contiguous float tensor: summed in place, without the transposed copy
        var block = input.IsContiguous && input.DType is DType.Float32 or DType.Float64 && input.Numel > 0 ? KeptBlock(input.shape, reduce) : null;
        if (block is { Inner: 1 } leading)
        {
            // leading dims only (a linear layer's bias gradient): column sums of an [outer, kept] matrix
            if (input.DType == DType.Float32) Kernels.ColumnSums.Sum(input.Data<float>(), input.offset, leading.Outer, leading.Kept, result.Data<float>());
            else Kernels.ColumnSums.Sum(input.Data<double>(), input.offset, leading.Outer, leading.Kept, result.Data<double>());
            return result;
        }
        if (block is { Inner: >= Kernels.KeptBlockSums.MinInner } around)
        {
            // trailing dims too (a convolution's bias gradient): contiguous runs summed per kept index
            if (input.DType == DType.Float32) Kernels.KeptBlockSums.Sum(input.Data<float>(), input.offset, around.Outer, around.Kept, around.Inner, result.Data<float>());
            else Kernels.KeptBlockSums.Sum(input.Data<double>(), input.offset, around.Outer, around.Kept, around.Inner, result.Data<double>());
            return result;
        }
        var (blocks, blockLength) = input.ReductionLayout(reduce);
        switch (input.DType)
        {
            // float32 sums accumulate in double, so long reductions do not drift
            case DType.Float32: SumBlocks<float, double>(blocks, blockLength, result); break;
            case DType.Float64: SumBlocks<double, double>(blocks, blockLength, result); break;
            case DType.Int64: SumBlocks<long, long>(blocks, blockLength, result); break;
            default: throw Kernels.Elementwise.Unsupported("sum", input.DType);
        }
        return result;
    }
}
