using DeepGen.Fusion.Ir;
using DeepGen.Fusion.Ops;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace DeepGen.Generators;

/// <summary>
/// Branches on the module's train/eval mode: <c>if (Training)</c>, <c>if (!Training)</c> and
/// <c>Training ? a : b</c> lower both arms; each tensor they leave different is joined by a
/// <c>training_select</c>, which specialising the graph to train or eval mode resolves (the generated train and
/// eval methods, which the dispatch already picks between by <c>Training</c>), dropping what only the other arm
/// needed.
/// </summary>
internal sealed partial class ForwardLowerer
{
    /// <summary>Why a condition that reads Training in any other way is known only at run time.</summary>
    private const string TrainingInCondition = "the train/eval mode (Training) inside a larger condition or value; only `if (Training)`, `if (!Training)` and `Training ? a : b` compile both modes";

    /// <summary>True for <c>Training</c>, false for <c>!Training</c> (the model's own mode), else null.</summary>
    private static bool? TrainingCondition(IOperation condition) => condition switch
    {
        IPropertyReferenceOperation { Property.Name: "Training", Instance: null or IInstanceReferenceOperation } property
            when IsModuleType(property.Property.ContainingType) => true,
        IUnaryOperation { OperatorKind: UnaryOperatorKind.Not, Operand: var inner } when TrainingCondition(inner) is { } negated => !negated,
        _ => null,
    };

    /// <summary>Runs both arms of an <c>if</c> on the mode, each on its own copy of the locals, and joins them.</summary>
    private void RunModeBranch(IConditionalOperation branch, bool whenTrueIsTraining, Frame frame)
    {
        Frame train = Fork(frame), eval = Fork(frame);
        IOperation? trainArm = whenTrueIsTraining ? branch.WhenTrue : branch.WhenFalse;
        IOperation? evalArm = whenTrueIsTraining ? branch.WhenFalse : branch.WhenTrue;
        if (trainArm is not null)
        {
            Run(trainArm, train);
        }

        if (evalArm is not null)
        {
            Run(evalArm, eval);
        }

        if ((train.Result is null) != (eval.Result is null))
        {
            throw Break(branch.Syntax, "the `if` on Training", "returns in one mode and goes on in the other", HeaderLocation(branch.Syntax));
        }

        if (train.Result is not null)
        {
            frame.Result = Join(train.Result, eval.Result!, "the returned value", branch.Syntax);
        }

        // locals declared inside an arm end with it; the others may have been assigned in either arm
        foreach (ISymbol local in train.Locals.Keys.Where(eval.Locals.ContainsKey).ToList())
        {
            frame.Locals[local] = Join(train.Locals[local], eval.Locals[local], $"'{local.Name}'", branch.Syntax);
        }
    }

    /// <summary><c>Training ? a : b</c>: both lowered, joined.</summary>
    private Operand LowerModeConditional(IConditionalOperation conditional, bool whenTrueIsTraining, IOperation whenFalse, Frame frame)
    {
        Operand whenTrue = Lower(conditional.WhenTrue, frame), otherwise = Lower(whenFalse, frame);
        return whenTrueIsTraining
            ? Join(whenTrue, otherwise, $"`{Short(conditional.Syntax)}`", conditional.Syntax)
            : Join(otherwise, whenTrue, $"`{Short(conditional.Syntax)}`", conditional.Syntax);
    }

    private static Frame Fork(Frame frame)
    {
        var copy = new Frame(frame.Model, frame.MethodName, frame.IsConstructor) { LoopDepth = frame.LoopDepth };
        foreach (KeyValuePair<ISymbol, Operand> local in frame.Locals)
        {
            copy.Locals[local.Key] = local.Value;
        }

        foreach ((NoGradScope scope, SyntaxNode declaration) in frame.NoGradScopes.Reverse())
        {
            copy.NoGradScopes.Push((scope, declaration));
        }

        return copy;
    }

    /// <summary>One operand for what the train arm left (<paramref name="train"/>) and the eval arm left.</summary>
    private Operand Join(Operand train, Operand eval, string what, SyntaxNode syntax)
    {
        if (ReferenceEquals(train, eval))
        {
            return train;
        }

        if (train is TensorOperand t && eval is TensorOperand e)
        {
            if (t.Value == e.Value)
            {
                return train;
            }

            TensorType trainType = builder.TypeOf(t.Value), evalType = builder.TypeOf(e.Value);
            if (trainType != evalType)
            {
                throw Break(syntax, what, $"is {trainType} in train mode but {evalType} in eval mode; the compiled graph needs one type", HeaderLocation(syntax));
            }

            return new TensorOperand(Emit(ModeOps.TrainingSelect, [t.Value, e.Value], null, syntax));
        }

        if (train is NumberOperand { Value: var a } && eval is NumberOperand { Value: var b } && a.Equals(b))
        {
            return train;
        }

        throw Break(syntax, what, "differs between train and eval mode and is not a tensor, so it cannot be chosen at run time", HeaderLocation(syntax));
    }
}
