using DeepGen.Fusion.Ir;

namespace DeepGen.Fusion.Ops;

/// <summary>Reductions over dimensions (attrs <c>dims</c>: the dims, empty for all; <c>keepdim</c>).</summary>
internal static class ReductionOps
{
    public static IEnumerable<OpDef> All()
    {
        yield return new RuleOp("sum", OpKind.Reduction, 1, 1, c => [Reduced(c, sum: true)], c => [c.Op("sum_backward", c.Attrs, c.Grad, c.Input(0))]);
        yield return new RuleOp("mean", OpKind.Reduction, 1, 1, c => [Reduced(c, sum: false)], c => [c.Op("mean_backward", c.Attrs, c.Grad, c.Input(0))]);
        yield return new RuleOp("amax", OpKind.Reduction, 1, 1, c => [Reduced(c, sum: false)], AmaxVjp);

        // The gradients of sum and mean: the reduced gradient spread back over the input's runtime shape.
        // sum_backward is a broadcast (a view with stride 0 along the reduced dims); mean_backward also divides.
        yield return new RuleOp("sum_backward", OpKind.View, 2, 2, c => [c.Inputs[1].WithDType(c.Inputs[0].DType)], null, 1);
        yield return new RuleOp("mean_backward", OpKind.Library, 2, 2, c => [c.Inputs[1].WithDType(c.Inputs[0].DType)], null, 1);
    }

    /// <summary>PyTorch's amax gradient: shared evenly by the elements equal to the maximum.</summary>
    private static IReadOnlyList<Value?> AmaxVjp(VjpContext c)
    {
        Value x = c.Input(0);
        Value winners = c.Op("eq", x, c.Op("sum_backward", c.Attrs, c.Output(), x));
        Value share = c.Op("where", winners, c.Constant(1), c.Constant(0));
        Value count = c.Op("sum_backward", c.Attrs, c.Op("sum", c.Attrs, share), x);
        Value spread = c.Op("sum_backward", c.Attrs, c.Grad, x);
        return [c.Op("div", c.Op("mul", spread, share), count)];
    }

    /// <summary>The reduced dimensions of <paramref name="input"/> as a mask (all of them for an empty list).</summary>
    public static bool[] ReducedMask(InferContext c, TensorType input)
    {
        EquatableArray<long> dims = c.Attrs.Ints("dims");
        var mask = new bool[input.Rank];
        if (dims.Count == 0)
        {
            for (int i = 0; i < mask.Length; i++)
            {
                mask[i] = true;
            }

            return mask;
        }

        foreach (long d in dims)
        {
            int dim = c.Dim(d, input.Rank);
            if (mask[dim] && input.Rank > 0)
            {
                throw c.Fail($"dim {dim} appears more than once in the list of dims [{string.Join(", ", dims)}]");
            }

            if (input.Rank > 0)
            {
                mask[dim] = true;
            }
        }

        return mask;
    }

    private static TensorType Reduced(InferContext c, bool sum)
    {
        TensorType input = c.Inputs[0];
        bool[] mask = ReducedMask(c, input);
        bool keep = c.Attrs.Bool("keepdim", false);
        IEnumerable<Dim> shape = keep
            ? input.Shape.Select((d, i) => mask[i] ? Dim.Constant(1) : d)
            : input.Shape.Where((_, i) => !mask[i]);

        // PyTorch: sum of bools/ints is int64; mean needs a floating input.
        ScalarType dtype = input.DType;
        if (sum && dtype == ScalarType.Bool)
        {
            dtype = ScalarType.Int64;
        }
        else if (!sum && c.Op == "mean" && !dtype.IsFloating())
        {
            throw c.Fail($"could not infer output dtype: input dtype {dtype.ShortName()} is not floating point; cast it first");
        }

        return new TensorType(dtype, shape.ToEquatableArray());
    }
}
