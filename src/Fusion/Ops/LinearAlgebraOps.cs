using DeepGen.Fusion.Ir;

namespace DeepGen.Fusion.Ops;

/// <summary>matmul and linear: library GEMM calls, whose epilogues (bias, activation) fusion may absorb.</summary>
internal static class LinearAlgebraOps
{
    public static IEnumerable<OpDef> All()
    {
        yield return new RuleOp("matmul", OpKind.Library, 2, 2, MatMul, MatMulVjp);
        yield return new RuleOp("linear", OpKind.Library, 2, 3, Linear, LinearVjp);
    }

    private static IReadOnlyList<TensorType> MatMul(InferContext c)
    {
        TensorType a = c.Inputs[0];
        TensorType b = c.Inputs[1];
        if (a.Rank == 0 || b.Rank == 0)
        {
            throw c.Fail($"both arguments need at least 1 dimension, got {a.ShapeText} and {b.ShapeText}");
        }

        SameDType(c, a, b);
        Dim ka = a.Shape[a.Rank - 1];
        Dim kb = b.Rank == 1 ? b.Shape[0] : b.Shape[b.Rank - 2];
        if (DimMath.ProvablyDifferent(ka, kb))
        {
            throw c.Fail($"{a.ShapeText} @ {b.ShapeText}: inner dimensions {ka} and {kb} differ");
        }

        EquatableArray<Dim> batchA = a.Shape.Take(Math.Max(a.Rank - 2, 0)).ToEquatableArray();
        EquatableArray<Dim> batchB = b.Shape.Take(Math.Max(b.Rank - 2, 0)).ToEquatableArray();
        EquatableArray<Dim>? batch = DimMath.Broadcast(batchA, batchB, out _);
        if (batch is null)
        {
            throw c.Fail($"{a.ShapeText} @ {b.ShapeText}: the batch dimensions do not broadcast");
        }

        var shape = batch.ToList();
        if (a.Rank >= 2)
        {
            shape.Add(a.Shape[a.Rank - 2]);
        }

        if (b.Rank >= 2)
        {
            shape.Add(b.Shape[b.Rank - 1]);
        }

        return [a.WithShape(shape)];
    }

    private static IReadOnlyList<Value?> MatMulVjp(VjpContext c)
    {
        if (c.TypeOf(c.Input(0)).Rank < 2 || c.TypeOf(c.Input(1)).Rank < 2)
        {
            throw new NotSupportedException("matmul: the compiler differentiates only operands of rank 2 or more; unsqueeze vectors first");
        }

        Attrs lastTwo = Attrs.Empty.With("dim0", -2L).With("dim1", -1L);
        return [
            c.NeedsGrad(0) ? c.SumTo(c.Op("matmul", c.Grad, c.Op("transpose", lastTwo, c.Input(1))), c.Input(0)) : null,
            c.NeedsGrad(1) ? c.SumTo(c.Op("matmul", c.Op("transpose", lastTwo, c.Input(0)), c.Grad), c.Input(1)) : null,
        ];
    }

    private static IReadOnlyList<TensorType> Linear(InferContext c)
    {
        TensorType x = c.Inputs[0];
        TensorType w = c.Inputs[1];
        if (x.Rank == 0 || w.Rank != 2)
        {
            throw c.Fail($"input {x.ShapeText} needs at least 1 dimension and weight {w.ShapeText} exactly 2");
        }

        SameDType(c, x, w);
        Dim inFeatures = x.Shape[x.Rank - 1];
        if (DimMath.ProvablyDifferent(inFeatures, w.Shape[1]))
        {
            throw c.Fail($"input {x.ShapeText} and weight {w.ShapeText}: the weight's in_features {w.Shape[1]} differ from the input's last dimension {inFeatures}");
        }

        if (c.Inputs.Count == 3)
        {
            TensorType bias = c.Inputs[2];
            SameDType(c, x, bias);
            if (bias.Rank != 1 || DimMath.ProvablyDifferent(bias.Shape[0], w.Shape[0]))
            {
                throw c.Fail($"bias {bias.ShapeText} does not match weight {w.ShapeText}: expected [{w.Shape[0]}]");
            }
        }

        return [x.WithShape(x.Shape.Take(x.Rank - 1).Append(w.Shape[0]))];
    }

    private static IReadOnlyList<Value?> LinearVjp(VjpContext c)
    {
        int rank = c.TypeOf(c.Input(0)).Rank;
        Value? gx = c.NeedsGrad(0) ? c.Op("matmul", c.Grad, c.Input(1)) : null;
        Value? gw = c.NeedsGrad(1)
            ? c.Op("matmul", c.Op("transpose", Attrs.Empty.With("dim0", 0L).With("dim1", 1L), Rows(c, c.Grad, rank)), Rows(c, c.Input(0), rank))
            : null;
        Value? gb = null;
        if (c.InputCount == 3 && c.NeedsGrad(2))
        {
            gb = rank == 1 ? c.Grad : c.Op("sum", Attrs.Empty.With("dims", Enumerable.Range(0, rank - 1).Select(i => (long)i)), c.Grad);
        }

        return c.InputCount == 3 ? [gx, gw, gb] : [gx, gw];
    }

    /// <summary>A value of rank <paramref name="rank"/> as rows: [N, features].</summary>
    private static Value Rows(VjpContext c, Value v, int rank) => rank switch
    {
        1 => c.Op("unsqueeze", Attrs.Empty.With("dim", 0L), v),
        2 => v,
        _ => c.Op("flatten", Attrs.Empty.With("start", 0L).With("end", (long)(rank - 2)), v),
    };

    private static void SameDType(InferContext c, TensorType a, TensorType b)
    {
        if (a.DType != b.DType)
        {
            throw c.Fail($"expected both operands to have the same dtype, got {a.DType.ShortName()} and {b.DType.ShortName()}");
        }
    }
}
