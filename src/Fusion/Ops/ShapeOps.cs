using DeepGen.Fusion.Ir;

namespace DeepGen.Fusion.Ops;

/// <summary>Views (a new shape over the same elements) and the shape-only helpers of derivatives.</summary>
internal static class ShapeOps
{
    public static IEnumerable<OpDef> All()
    {
        // reshape: attrs dims (the target; the entry at index 'infer' is -1 in the user's code and ignored here), infer (-1: none).
        yield return new RuleOp("reshape", OpKind.View, 1, 1, Reshape, c => [c.Op("reshape_as", c.Grad, c.Input(0))]);
        yield return new RuleOp("flatten", OpKind.View, 1, 1, Flatten, c => [c.Op("reshape_as", c.Grad, c.Input(0))]);
        yield return new RuleOp("transpose", OpKind.View, 1, 1, Transpose, c => [c.Op("transpose", c.Attrs, c.Grad)]);
        yield return new RuleOp("permute", OpKind.View, 1, 1, Permute, c => [c.Op("permute", Attrs.Empty.With("dims", Inverse(c.Attrs.Ints("dims"))), c.Grad)]);
        yield return new RuleOp("unsqueeze", OpKind.View, 1, 1, Unsqueeze, c => [c.Op("reshape_as", c.Grad, c.Input(0))]);
        yield return new RuleOp("squeeze", OpKind.View, 1, 1, Squeeze, c => [c.Op("reshape_as", c.Grad, c.Input(0))]);
        yield return new RuleOp("contiguous", OpKind.View, 1, 1, c => [c.Inputs[0]], c => [c.Grad]);

        // narrow(x) attrs dim, start (negative counts from the end), length: a slice along one dim; its gradient is
        // narrow_backward(g, x): g placed in zeros of x's runtime shape.
        yield return new RuleOp("narrow", OpKind.View, 1, 1, Narrow, c => [c.Op("narrow_backward", c.Attrs, c.Grad, c.Input(0))]);
        yield return new RuleOp("narrow_backward", OpKind.Library, 2, 2, c => [c.Inputs[1].WithDType(c.Inputs[0].DType)], null, 1);

        // detach: the same value with no gradient to its input (Tensor.Detach, and values leaving a Torch.NoGrad() block).
        yield return new RuleOp("detach", OpKind.View, 1, 1, c => [c.Inputs[0]], null);

        // Derivative helpers that read their second input's runtime shape only.
        yield return new RuleOp("reshape_as", OpKind.View, 2, 2, c => [c.Inputs[1].WithDType(c.Inputs[0].DType)], null, 1);
        yield return new RuleOp("expand_as", OpKind.View, 2, 2, ExpandAs, null, 1);
        yield return new RuleOp(ElementOps.SumTo, OpKind.Reduction, 2, 2, c => [c.Inputs[1].WithDType(c.Inputs[0].DType)], null, 1);
    }

    private static IReadOnlyList<TensorType> Reshape(InferContext c)
    {
        TensorType input = c.Inputs[0];
        EquatableArray<Dim> dims = c.Attrs.Dims("dims");
        int infer = (int)c.Attrs.Int("infer", -1);
        Dim total = DimMath.Product(input.Shape);
        if (infer < 0)
        {
            Dim target = DimMath.Product(dims);
            if (DimMath.ProvablyDifferent(total, target))
            {
                throw c.Fail($"shape [{string.Join(", ", dims)}] is invalid for input of shape {input.ShapeText} ({total} elements, the new shape has {target})");
            }

            return [input.WithShape(dims)];
        }

        Dim known = DimMath.Product(dims.Where((_, i) => i != infer));
        Dim inferred = DimMath.Divide(total, known);
        if (total.Kind == DimKind.Constant && known.Kind == DimKind.Constant && inferred.Kind == DimKind.Unknown)
        {
            throw c.Fail($"shape [{string.Join(", ", dims.Select((d, i) => i == infer ? "-1" : d.ToString()))}] is invalid for input of shape {input.ShapeText} ({total} elements are not a multiple of {known})");
        }

        return [input.WithShape(dims.Select((d, i) => i == infer ? inferred : d))];
    }

    private static IReadOnlyList<TensorType> Flatten(InferContext c)
    {
        TensorType input = c.Inputs[0];
        if (input.Rank == 0)
        {
            return [input.WithShape([Dim.Constant(1)])];
        }

        int start = c.Dim(c.Attrs.Int("start", 0), input.Rank, "start_dim");
        int end = c.Dim(c.Attrs.Int("end", -1), input.Rank, "end_dim");
        if (start > end)
        {
            throw c.Fail($"start_dim {start} comes after end_dim {end} for a tensor of shape {input.ShapeText}");
        }

        Dim merged = DimMath.Product(input.Shape.Skip(start).Take(end - start + 1));
        return [input.WithShape(input.Shape.Take(start).Append(merged).Concat(input.Shape.Skip(end + 1)))];
    }

    private static IReadOnlyList<TensorType> Narrow(InferContext c)
    {
        TensorType input = c.Inputs[0];
        if (input.Rank == 0)
        {
            throw c.Fail("cannot narrow a zero-dimensional tensor");
        }

        int dim = c.Dim(c.Attrs.Int("dim"), input.Rank);
        long start = c.Attrs.Int("start");
        long length = c.Attrs.Int("length");
        Dim size = input.Shape[dim];
        long first = start < 0 && size.Kind == DimKind.Constant ? start + size.Offset : start;
        // A size known only at run time is checked there, by the runtime's narrow.
        if (length < 0 || (size.Kind == DimKind.Constant && (first < 0 || first + length > size.Offset)))
        {
            throw c.Fail($"start {start} and length {length} are out of range for dim {dim} of size {size} (input {input.ShapeText})");
        }

        return [input.WithShape(input.Shape.Select((d, i) => i == dim ? Dim.Constant(length) : d))];
    }

    private static IReadOnlyList<TensorType> Transpose(InferContext c)
    {
        TensorType input = c.Inputs[0];
        int a = c.Dim(c.Attrs.Int("dim0"), input.Rank, "dim0");
        int b = c.Dim(c.Attrs.Int("dim1"), input.Rank, "dim1");
        Dim[] shape = input.Shape.ToArray();
        if (input.Rank > 0)
        {
            (shape[a], shape[b]) = (shape[b], shape[a]);
        }

        return [input.WithShape(shape)];
    }

    private static IReadOnlyList<TensorType> Permute(InferContext c)
    {
        TensorType input = c.Inputs[0];
        EquatableArray<long> dims = c.Attrs.Ints("dims");
        if (dims.Count != input.Rank)
        {
            throw c.Fail($"the permutation [{string.Join(", ", dims)}] has {dims.Count} dims but the input {input.ShapeText} has {input.Rank}");
        }

        int[] order = dims.Select(d => c.Dim(d, input.Rank)).ToArray();
        if (order.Distinct().Count() != order.Length)
        {
            throw c.Fail($"the permutation [{string.Join(", ", dims)}] repeats a dim");
        }

        return [input.WithShape(order.Select(i => input.Shape[i]))];
    }

    private static IReadOnlyList<TensorType> Unsqueeze(InferContext c)
    {
        TensorType input = c.Inputs[0];
        int dim = c.Dim(c.Attrs.Int("dim"), input.Rank + 1);
        List<Dim> shape = input.Shape.ToList();
        shape.Insert(dim, Dim.Constant(1));
        return [input.WithShape(shape)];
    }

    private static IReadOnlyList<TensorType> Squeeze(InferContext c)
    {
        TensorType input = c.Inputs[0];
        if (!c.Attrs.Has("dim"))
        {
            if (input.Shape.Any(d => d.Kind != DimKind.Constant))
            {
                throw c.Fail($"which dims of {input.ShapeText} are 1 is only known at run time; name the dim to squeeze");
            }

            return [input.WithShape(input.Shape.Where(d => !DimMath.IsOne(d)))];
        }

        int dim = c.Dim(c.Attrs.Int("dim"), input.Rank);
        if (input.Rank == 0 || !DimMath.IsOne(input.Shape[dim]))
        {
            if (input.Rank > 0 && input.Shape[dim].Kind != DimKind.Constant)
            {
                throw c.Fail($"dim {dim} of {input.ShapeText} is not known to be 1 at build time; squeeze it with a known size or reshape instead");
            }

            return [input];
        }

        return [input.WithShape(input.Shape.Where((_, i) => i != dim))];
    }

    private static IReadOnlyList<TensorType> ExpandAs(InferContext c)
    {
        if (DimMath.Broadcast(c.Inputs[0].Shape, c.Inputs[1].Shape, out _) is null)
        {
            throw c.Fail($"{c.Inputs[0].ShapeText} cannot be expanded to {c.Inputs[1].ShapeText}");
        }

        return [c.Inputs[1].WithDType(c.Inputs[0].DType)];
    }

    private static long[] Inverse(EquatableArray<long> permutation)
    {
        int rank = permutation.Count;
        var inverse = new long[rank];
        for (int i = 0; i < rank; i++)
        {
            long d = permutation[i] < 0 ? permutation[i] + rank : permutation[i];
            inverse[d] = i;
        }

        return inverse;
    }
}
