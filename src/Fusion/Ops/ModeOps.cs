using DeepGen.Fusion.Ir;

namespace DeepGen.Fusion.Ops;

/// <summary>Ops that depend on the module's train/eval mode, which <see cref="Autodiff.Specialize.ForMode"/> resolves.</summary>
public static class ModeOps
{
    /// <summary>
    /// <c>training_select(a, b)</c>: <c>a</c> in train mode, <c>b</c> in eval mode; what a branch on the module's
    /// <c>Training</c> lowers to. The two must have one type. It never reaches differentiation or the planner:
    /// specialising the graph to a mode replaces it by one input and drops what only the other one needed.
    /// </summary>
    public const string TrainingSelect = "training_select";

    internal static IEnumerable<OpDef> All()
    {
        yield return new RuleOp(TrainingSelect, OpKind.Library, 2, 2, c =>
        {
            if (c.Inputs[0] != c.Inputs[1])
            {
                throw c.Fail($"the train-mode value is {c.Inputs[0]} but the eval-mode value is {c.Inputs[1]}; both modes must give one type");
            }

            return [c.Inputs[0]];
        }, null);
    }
}
