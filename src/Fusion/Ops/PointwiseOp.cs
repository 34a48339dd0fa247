using DeepGen.Fusion.Ir;

namespace DeepGen.Fusion.Ops;

/// <summary>How a pointwise op's output dtype follows from its inputs'.</summary>
public enum DTypeRule
{
    /// <summary>PyTorch's promotion of the operands (weak scalars only lift the category).</summary>
    Promote,

    /// <summary>Promotion, then integers and bools become float32 (exp, sigmoid, true division).</summary>
    PromoteToFloat,

    /// <summary>Always bool (comparisons).</summary>
    Bool,

    /// <summary>The promotion of every operand but the first, which must be bool (where's condition).</summary>
    Select,
}

/// <summary>An elementwise op: broadcasting shape rule, a dtype rule, a scalar formula and a derivative.</summary>
public sealed class PointwiseOp : OpDef
{
    private readonly DTypeRule _dtype;
    private readonly Func<Attrs, PointwiseFormula> _formula;
    private readonly Func<VjpContext, IReadOnlyList<Value?>>? _vjp;

    /// <summary>Declares a pointwise op; <paramref name="vjp"/> null means it carries no gradient.</summary>
    public PointwiseOp(string name, int arity, DTypeRule dtype, Func<Attrs, PointwiseFormula> formula, Func<VjpContext, IReadOnlyList<Value?>>? vjp)
        : base(name, OpKind.Pointwise, arity, arity)
    {
        _dtype = dtype;
        _formula = formula;
        _vjp = vjp;
    }

    /// <summary>Declares a pointwise op whose formula does not depend on attributes.</summary>
    public PointwiseOp(string name, int arity, DTypeRule dtype, string csharp, string cuda, Func<VjpContext, IReadOnlyList<Value?>>? vjp)
        : this(name, arity, dtype, _ => new PointwiseFormula(csharp, cuda), vjp)
    {
    }

    /// <summary>
    /// True when each element costs a transcendental function (an erf, exp, tanh or log: tens of instructions),
    /// so the autodiff keeps the value for the backward rather than computing it again there.
    /// </summary>
    public bool Transcendental { get; init; }

    /// <inheritdoc />
    public override bool CheapToRecompute => !Transcendental;

    /// <inheritdoc />
    public override bool IsDifferentiable => _vjp is not null;

    /// <inheritdoc />
    public override PointwiseFormula Formula(Attrs attrs) => _formula(attrs);

    /// <inheritdoc />
    public override IReadOnlyList<Value?> Vjp(VjpContext context) => _vjp is null ? base.Vjp(context) : _vjp(context);

    /// <inheritdoc />
    public override IReadOnlyList<TensorType> Infer(InferContext context)
    {
        IReadOnlyList<TensorType> inputs = context.Inputs;
        EquatableArray<Dim> shape = inputs[0].Shape;
        for (int i = 1; i < inputs.Count; i++)
        {
            EquatableArray<Dim>? next = DimMath.Broadcast(shape, inputs[i].Shape, out int clash);
            if (next is null)
            {
                string all = string.Join(" and ", inputs.Select(t => t.ShapeText));
                Dim a = shape[shape.Count - clash];
                Dim b = inputs[i].Shape[inputs[i].Shape.Count - clash];
                throw context.Fail($"shapes {all} do not broadcast: sizes {a} and {b} differ at dimension {-clash}");
            }

            shape = next;
        }

        return [new TensorType(OutputDType(context), shape)];
    }

    private ScalarType OutputDType(InferContext context)
    {
        int first = 0;
        if (_dtype == DTypeRule.Select)
        {
            if (context.Inputs[0].DType != ScalarType.Bool)
            {
                throw context.Fail($"the condition must be bool, not {context.Inputs[0].DType.ShortName()}");
            }

            first = 1;
        }

        ScalarType result = Promote(context, first);
        return _dtype switch
        {
            DTypeRule.Bool => ScalarType.Bool,
            DTypeRule.PromoteToFloat when !result.IsFloating() => ScalarType.Float32,
            _ => result,
        };
    }

    /// <summary>PyTorch's rule: tensors decide the dtype; a weak scalar only lifts it to its category (int -> float32).</summary>
    private static ScalarType Promote(InferContext context, int first)
    {
        ScalarType? strong = null;
        ScalarType? weak = null;
        for (int i = first; i < context.Inputs.Count; i++)
        {
            ScalarType t = context.Inputs[i].DType;
            if (context.WeakScalars[i])
            {
                weak = weak is null ? t : ScalarTypes.Promote(weak.Value, t);
            }
            else
            {
                strong = strong is null ? t : ScalarTypes.Promote(strong.Value, t);
            }
        }

        if (strong is null)
        {
            return weak ?? ScalarType.Float32;
        }

        if (weak is { } w && Category(w) > Category(strong.Value))
        {
            return w.IsFloating() ? ScalarType.Float32 : ScalarType.Int64;
        }

        return strong.Value;
    }

    private static int Category(ScalarType t) => t switch
    {
        ScalarType.Bool => 0,
        ScalarType.Int64 => 1,
        _ => 2,
    };
}
