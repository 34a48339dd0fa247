using DeepGen.Fusion.Ir;

namespace DeepGen.Fusion.Ops;

/// <summary>An op defined by a shape rule and an optional derivative given as functions (every non-pointwise op).</summary>
public sealed class RuleOp : OpDef
{
    private readonly Func<InferContext, IReadOnlyList<TensorType>> _infer;
    private readonly Func<VjpContext, IReadOnlyList<Value?>>? _vjp;
    private readonly IReadOnlyList<int> _shapeOnly;

    /// <summary>Declares the op; <paramref name="vjp"/> null means it carries no gradient.</summary>
    public RuleOp(
        string name,
        OpKind kind,
        int minInputs,
        int maxInputs,
        Func<InferContext, IReadOnlyList<TensorType>> infer,
        Func<VjpContext, IReadOnlyList<Value?>>? vjp,
        params int[] shapeOnlyInputs)
        : base(name, kind, minInputs, maxInputs)
    {
        _infer = infer;
        _vjp = vjp;
        _shapeOnly = shapeOnlyInputs;
    }

    /// <inheritdoc />
    public override IReadOnlyList<int> ShapeOnlyInputs => _shapeOnly;

    /// <inheritdoc />
    public override bool IsDifferentiable => _vjp is not null;

    /// <inheritdoc />
    public override IReadOnlyList<TensorType> Infer(InferContext context) => _infer(context);

    /// <inheritdoc />
    public override IReadOnlyList<Value?> Vjp(VjpContext context) => _vjp is null ? base.Vjp(context) : _vjp(context);
}
