using DeepGen.Fusion.Ir;

namespace DeepGen.Fusion.Ops;

/// <summary>
/// Joining tensors: <c>cat</c> (along an existing dim) and <c>stack</c> (along a new one), with the
/// backward ops that hand each input its piece of the gradient. Inputs of different dtypes promote, as
/// in the eager <c>Tensor.Cat</c>; each input's gradient comes back in its own dtype.
/// </summary>
internal static class JoinOps
{
    public static IEnumerable<OpDef> All()
    {
        // cat(x0, x1, ...) attr dim; stack(x0, x1, ...) attr dim (of the output, where the new dim goes).
        yield return new RuleOp("cat", OpKind.Library, 1, int.MaxValue, Cat, c => PieceGrads(c, "cat_backward", all: true));
        yield return new RuleOp("stack", OpKind.Library, 1, int.MaxValue, Stack, c => PieceGrads(c, "stack_backward", all: false));

        // cat_backward(g, x0, x1, ...) attrs dim, index: input `index`'s slice of g; the x's are read for their sizes only.
        yield return new JoinBackwardOp("cat_backward", c => [c.Inputs[1 + (int)c.Attrs.Int("index")]]);

        // stack_backward(g, x) attrs dim, index: g's slice at `index` along dim, shaped like x (read for its shape only).
        yield return new RuleOp("stack_backward", OpKind.Library, 2, 2, c => [c.Inputs[1]], null, 1);
    }

    private static IReadOnlyList<TensorType> Cat(InferContext c)
    {
        // PyTorch's legacy rule, kept by the eager Tensor.Cat: a 1-d tensor of size 0 joins in nothing but dtype promotion.
        int[] joined = Enumerable.Range(0, c.Inputs.Count).Where(i => !IsLegacyEmpty(c.Inputs[i])).ToArray();
        ScalarType dtype = c.Inputs.Select(t => t.DType).Aggregate(ScalarTypes.Promote);
        if (joined.Length == 0)
        {
            return [TensorType.Of(dtype, 0L)];
        }

        int first = joined[0];
        TensorType reference = c.Inputs[first];
        foreach (int i in joined)
        {
            if (c.Inputs[i].Rank == 0)
            {
                throw c.Fail($"tensor {i} is zero-dimensional and cannot be concatenated");
            }

            if (c.Inputs[i].Rank != reference.Rank)
            {
                throw c.Fail($"tensor {i} has shape {c.Inputs[i].ShapeText} but tensor {first} has {reference.ShapeText}; all tensors need the same rank");
            }
        }

        int dim = c.Dim(c.Attrs.Int("dim"), reference.Rank);
        Dim total = Dim.Constant(0);
        foreach (int i in joined)
        {
            TensorType t = c.Inputs[i];
            if (Enumerable.Range(0, t.Rank).Any(k => k != dim && DimMath.ProvablyDifferent(t.Shape[k], reference.Shape[k])))
            {
                throw c.Fail($"tensor {i} has shape {t.ShapeText} but tensor {first} has {reference.ShapeText}; all sizes but dim {dim} must match");
            }

            total = DimMath.Add(total, t.Shape[dim]);
        }

        return [new TensorType(dtype, reference.Shape.Select((d, k) => k == dim ? total : d).ToEquatableArray())];
    }

    private static IReadOnlyList<TensorType> Stack(InferContext c)
    {
        TensorType reference = c.Inputs[0];
        for (int i = 1; i < c.Inputs.Count; i++)
        {
            TensorType t = c.Inputs[i];
            if (t.Rank != reference.Rank || t.Shape.Zip(reference.Shape, DimMath.ProvablyDifferent).Any(x => x))
            {
                throw c.Fail($"tensor {i} has shape {t.ShapeText} but tensor 0 has {reference.ShapeText}; stack needs tensors of equal shape");
            }
        }

        int dim = c.Dim(c.Attrs.Int("dim"), reference.Rank + 1);
        List<Dim> shape = reference.Shape.ToList();
        shape.Insert(dim, Dim.Constant(c.Inputs.Count));
        ScalarType dtype = c.Inputs.Select(t => t.DType).Aggregate(ScalarTypes.Promote);
        return [new TensorType(dtype, shape.ToEquatableArray())];
    }

    /// <summary>Each input that needs one gets its slice of the gradient (cat's reads every input's size, stack's only its own shape).</summary>
    private static IReadOnlyList<Value?> PieceGrads(VjpContext c, string backward, bool all)
    {
        var grads = new Value?[c.InputCount];
        for (int i = 0; i < c.InputCount; i++)
        {
            if (c.NeedsGrad(i))
            {
                Value[] refs = all ? Enumerable.Range(0, c.InputCount).Select(c.Input).ToArray() : [c.Input(i)];
                grads[i] = c.Op(backward, c.Attrs.With("index", (long)i), [c.Grad, .. refs]);
            }
        }

        return grads;
    }

    private static bool IsLegacyEmpty(TensorType t) => t.Rank == 1 && t.Shape[0] is { Kind: DimKind.Constant, Offset: 0 };

    /// <summary><c>cat_backward</c>: any number of inputs after the gradient, each read for its size only.</summary>
    private sealed class JoinBackwardOp(string name, Func<InferContext, IReadOnlyList<TensorType>> infer) : OpDef(name, OpKind.Library, 2, int.MaxValue)
    {
        public override bool IsDifferentiable => false;

        public override bool IsShapeOnlyInput(int input) => input >= 1;

        public override IReadOnlyList<TensorType> Infer(InferContext context) => infer(context);
    }
}
