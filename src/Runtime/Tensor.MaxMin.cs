using DeepGen.Autograd;
using DeepGen.Kernels;

namespace DeepGen;

/// <summary>The result of a reduction that picks elements, such as <see cref="Tensor.Max(int, bool)"/>: the values and their int64 positions along the dim.</summary>
public readonly record struct ValuesIndices(Tensor Values, Tensor Indices);

// Max, min, argmax, argmin, amax and amin. Ties pick the first position (as PyTorch on CPU) and NaN wins.
public sealed partial class Tensor
{
    /// <summary>The largest element, as a 0-d tensor. Its gradient is split evenly among tied maxima, as in PyTorch.</summary>
    public Tensor Max() => AllExtreme<PickMax>("max");

    /// <summary>The smallest element, as a 0-d tensor.</summary>
    public Tensor Min() => AllExtreme<PickMin>("min");

    /// <summary>The largest values along <paramref name="dim"/> and their positions; the gradient flows to those positions.</summary>
    public ValuesIndices Max(int dim, bool keepdim = false) => DimExtreme<PickMax>(dim, keepdim, "max");

    public ValuesIndices Min(int dim, bool keepdim = false) => DimExtreme<PickMin>(dim, keepdim, "min");

    /// <summary>The position of the largest element in the flattened tensor, as a 0-d int64 tensor.</summary>
    public Tensor Argmax() => ExtremeIndices<PickMax>(ReducedDims([], "argmax"), keepdim: false, "argmax");

    public Tensor Argmax(int dim, bool keepdim = false) => ExtremeIndices<PickMax>(ReducedDims([dim], "argmax"), keepdim, "argmax");

    public Tensor Argmin() => ExtremeIndices<PickMin>(ReducedDims([], "argmin"), keepdim: false, "argmin");

    public Tensor Argmin(int dim, bool keepdim = false) => ExtremeIndices<PickMin>(ReducedDims([dim], "argmin"), keepdim, "argmin");

    public Tensor Amax(int dim, bool keepdim = false) => Amax([dim], keepdim);

    /// <summary>The largest values over <paramref name="dims"/> (all when empty); the gradient is split evenly among ties.</summary>
    public Tensor Amax(int[] dims, bool keepdim = false) => ValueExtreme<PickMax>(ReducedDims(dims, "amax"), keepdim, "amax", nanMatchesNaN: false);

    public Tensor Amin(int dim, bool keepdim = false) => Amin([dim], keepdim);

    public Tensor Amin(int[] dims, bool keepdim = false) => ValueExtreme<PickMin>(ReducedDims(dims, "amin"), keepdim, "amin", nanMatchesNaN: false);

    Tensor AllExtreme<TPick>(string op) where TPick : struct, IPick
    {
        if (Numel == 0)
            throw new ArgumentException($"{op}: expected a reduction dim to be specified for an input with no elements (shape {Shapes.Format(shape)})");
        return ValueExtreme<TPick>(ReducedDims([], op), keepdim: false, op, nanMatchesNaN: true);
    }

    /// <summary>Values only, with the gradient split among ties (max(), min(), amax, amin).</summary>
    Tensor ValueExtreme<TPick>(bool[] reduce, bool keepdim, string op, bool nanMatchesNaN) where TPick : struct, IPick
    {
        var (values, _, blocks, n) = ExtremeKernel<TPick>(reduce, keepdim, op, withIndices: false);
        if (GradMode.ShouldRecord(this))
        {
            var node = new Node(op, this);
            var savedBlocks = node.Save(blocks);
            var savedValues = node.Save(values);
            var blockShape = BlockShape(reduce);
            node.SetBackward(g =>
            {
                var src = savedBlocks.Get();
                var vals = savedValues.Get();
                var grad = g.RawContiguous();
                var dst = new Tensor(blockShape, DType);
                if (DType == DType.Float32)
                    Extremes.SplitAmongTies<float>(src.BlockSpan<float>(), n, vals.BlockSpan<float>(), grad.BlockSpan<float>(), dst.Data<float>(), nanMatchesNaN);
                else
                    Extremes.SplitAmongTies<double>(src.BlockSpan<double>(), n, vals.BlockSpan<double>(), grad.BlockSpan<double>(), dst.Data<double>(), nanMatchesNaN);
                return [FromBlockLayout(dst, reduce)];
            });
            values.WithGradFn(node);
        }
        return values;
    }

    ValuesIndices DimExtreme<TPick>(int dim, bool keepdim, string op) where TPick : struct, IPick
    {
        var reduce = ReducedDims([dim], op);
        var (values, indices, _, n) = ExtremeKernel<TPick>(reduce, keepdim, op, withIndices: true);
        if (GradMode.ShouldRecord(this))
        {
            var node = new Node(op, this);
            var idx = indices!;
            var savedIndices = node.Save(idx);
            var blockShape = BlockShape(reduce);
            node.SetBackward(g =>
            {
                var grad = g.RawContiguous();
                var dst = new Tensor(blockShape, DType);
                var positions = savedIndices.Get().BlockSpan<long>();
                if (DType == DType.Float32) Extremes.Scatter<float>(grad.BlockSpan<float>(), positions, n, dst.Data<float>());
                else Extremes.Scatter<double>(grad.BlockSpan<double>(), positions, n, dst.Data<double>());
                return [FromBlockLayout(dst, reduce)];
            });
            values.WithGradFn(node);
        }
        return new ValuesIndices(values, indices!);
    }

    Tensor ExtremeIndices<TPick>(bool[] reduce, bool keepdim, string op) where TPick : struct, IPick =>
        ExtremeKernel<TPick>(reduce, keepdim, op, withIndices: true).Indices!;

    /// <summary>Runs the max/min kernel over the blocks of <paramref name="reduce"/>; also returns the block layout and length.</summary>
    (Tensor Values, Tensor? Indices, Tensor Blocks, int BlockLength) ExtremeKernel<TPick>(bool[] reduce, bool keepdim, string op, bool withIndices)
        where TPick : struct, IPick
    {
        for (int i = 0; i < Rank; i++)
            if (reduce[i] && shape[i] == 0)
                throw new ArgumentException($"{op}: cannot reduce over dimension {i}, which has size 0 (shape {Shapes.Format(shape)})");
        // bool is compared as 0/1 and converted back, as a max of bools is a bool
        var input = DType == DType.Bool ? RawTo(DType.Int64) : this;
        var (blocks, n) = input.ReductionLayout(reduce);
        var outShape = ReducedShape(reduce, keepdim);
        var values = new Tensor(outShape, input.DType);
        var indices = withIndices ? new Tensor(outShape, DType.Int64) : null;
        var indexSpan = indices is null ? Span<long>.Empty : indices.Data<long>().AsSpan();
        switch (input.DType)
        {
            case DType.Float32: Extremes.Reduce<float, TPick>(blocks.BlockSpan<float>(), n, values.Data<float>(), indexSpan); break;
            case DType.Float64: Extremes.Reduce<double, TPick>(blocks.BlockSpan<double>(), n, values.Data<double>(), indexSpan); break;
            case DType.Int64: Extremes.Reduce<long, TPick>(blocks.BlockSpan<long>(), n, values.Data<long>(), indexSpan); break;
            default: throw Elementwise.Unsupported(op, DType);
        }
        return (DType == DType.Bool ? values.RawTo(DType.Bool) : values, indices, blocks, n);
    }
}
