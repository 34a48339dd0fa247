using DeepGen.Fusion.Ir;

namespace DeepGen.Fusion.Ops;

/// <summary>
/// Ops that choose by something fixed for one call but known only at run time: the module's train/eval mode,
/// or a readonly bool field of the model. <see cref="Autodiff.Specialize.ForVariant"/> resolves them; the
/// emitter compiles one graph per combination and dispatches on the mode and the fields.
/// </summary>
public static class ModeOps
{
    /// <summary>
    /// <c>training_select(a, b)</c>: <c>a</c> in train mode, <c>b</c> in eval mode; what a branch on the module's
    /// <c>Training</c> lowers to. The two must have one type. It never reaches differentiation or the planner:
    /// specialising the graph to a mode replaces it by one input and drops what only the other one needed.
    /// </summary>
    public const string TrainingSelect = "training_select";

    /// <summary>
    /// <c>flag_select(a, b)</c> (attribute <c>flag</c>: the field's name): <c>a</c> when the model's readonly bool
    /// field is true, <c>b</c> when it is false; what a branch on such a field lowers to, resolved per instance.
    /// </summary>
    public const string FlagSelect = "flag_select";

    internal static IEnumerable<OpDef> All()
    {
        yield return new RuleOp(TrainingSelect, OpKind.Library, 2, 2, c => OneType(c, "the train-mode value", "the eval-mode value", "both modes"), null);
        yield return new RuleOp(FlagSelect, OpKind.Library, 2, 2, c => OneType(c, "the value when it is true", "the value when it is false", "both arms"), null);
    }

    private static IReadOnlyList<TensorType> OneType(InferContext c, string first, string second, string both)
    {
        if (c.Inputs[0] != c.Inputs[1])
        {
            throw c.Fail($"{first} is {c.Inputs[0]} but {second} is {c.Inputs[1]}; {both} must give one type");
        }

        return [c.Inputs[0]];
    }
}
