using DeepGen.Fusion.Ir;
using DeepGen.Fusion.Ops;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace DeepGen.Generators;

/// <summary>
/// Branches on what is fixed for a call but known only at run time: the module's train/eval mode
/// (<c>if (Training)</c>, <c>if (!Training)</c>, <c>Training ? a : b</c>) and the model's own readonly bool
/// fields set by its constructor (<c>if (residual)</c>). Both arms are lowered; each tensor they leave different
/// is joined by a <c>training_select</c> or <c>flag_select</c>, which specialising the graph resolves: the
/// emitter compiles one graph per mode and field values, and the dispatch picks one by <c>Training</c> and the
/// fields, so a branch is resolved per call and per instance, dropping what only the other arm needed.
/// </summary>
internal sealed partial class ForwardLowerer
{
    /// <summary>Why a condition that reads Training in any other way is known only at run time.</summary>
    private const string TrainingInCondition = "the train/eval mode (Training) inside a larger condition or value; only `if (Training)`, `if (!Training)` and `Training ? a : b` compile both modes";

    /// <summary>At most this many fields are branched on per model: each doubles the compiled variants.</summary>
    private const int MaxFlags = 3;

    private readonly HashSet<string> flags = new(StringComparer.Ordinal);

    /// <summary>What the two arms of a branch are, and the op that joins their values.</summary>
    private sealed record ArmChoice(string Op, Attrs? Attrs, string First, string Second, string Construct);

    private static readonly ArmChoice ModeChoice = new(ModeOps.TrainingSelect, null, "in train mode", "in eval mode", "the `if` on Training");

    /// <summary>
    /// For <c>Training</c> or <c>!Training</c> (the model's own mode), or a readonly bool field of the top-level
    /// model whose value is set at run time (or its negation): the choice, and whether the condition is true
    /// in the choice's first arm; else null.
    /// </summary>
    private (ArmChoice Choice, bool WhenTrueIsFirst)? BranchChoice(IOperation condition, Frame frame)
    {
        switch (condition)
        {
            case IPropertyReferenceOperation { Property.Name: "Training", Instance: null or IInstanceReferenceOperation } property
                when IsModuleType(property.Property.ContainingType):
                return (ModeChoice, true);
            case IFieldReferenceOperation { Field: { IsReadOnly: true, IsStatic: false, Type.SpecialType: SpecialType.System_Boolean } field, Instance: null or IInstanceReferenceOperation }
                when !frame.Model.IsInlined && SymbolEqualityComparer.Default.Equals(field.ContainingType, frame.Model.Type)
                    && TryMemberValue(field, frame.Model) is null or UnknownOperand:
                return (new ArmChoice(ModeOps.FlagSelect, Attrs.Empty.With("flag", field.Name), $"when '{field.Name}' is true", $"when '{field.Name}' is false", $"the `if` on '{field.Name}'"), true);
            case IUnaryOperation { OperatorKind: UnaryOperatorKind.Not, Operand: var inner } when BranchChoice(inner, frame) is { } negated:
                return (negated.Choice, !negated.WhenTrueIsFirst);
            default:
                return null;
        }
    }

    /// <summary>Runs both arms of an <c>if</c>, each on its own copy of the locals, and joins them.</summary>
    private void RunBothArms(IConditionalOperation branch, ArmChoice choice, bool whenTrueIsFirst, Frame frame)
    {
        Count(choice, branch.Syntax);
        Frame first = Fork(frame), second = Fork(frame);
        IOperation? firstArm = whenTrueIsFirst ? branch.WhenTrue : branch.WhenFalse;
        IOperation? secondArm = whenTrueIsFirst ? branch.WhenFalse : branch.WhenTrue;
        if (firstArm is not null)
        {
            Run(firstArm, first);
        }

        if (secondArm is not null)
        {
            Run(secondArm, second);
        }

        if (first.Result is not null && second.Result is not null)
        {
            SetResult(frame, Join(choice, first.Result, second.Result, "the returned value", branch.Syntax));
            return;
        }

        // An arm that returned early: the code after the branch runs once, on the locals of the arm that went on,
        // and the returned value is joined when the method returns (the early value in that arm).
        Operand Rest(Frame arm, Operand rest) => arm.Result ?? arm.EarlyReturns?.Invoke(rest) ?? rest;
        if (first.Result is not null || second.Result is not null || first.EarlyReturns is not null || second.EarlyReturns is not null)
        {
            AddEarlyReturns(frame, rest => Join(choice, Rest(first, rest), Rest(second, rest), "the returned value", branch.Syntax));
        }

        if (first.Result is not null || second.Result is not null)
        {
            Frame goesOn = first.Result is null ? first : second;
            frame.Locals.Clear();
            foreach (KeyValuePair<ISymbol, Operand> local in goesOn.Locals)
            {
                frame.Locals[local.Key] = local.Value;
            }

            return;
        }

        // locals declared inside an arm end with it; the others may have been assigned in either arm
        foreach (ISymbol local in first.Locals.Keys.Where(second.Locals.ContainsKey).ToList())
        {
            frame.Locals[local] = Join(choice, first.Locals[local], second.Locals[local], $"'{local.Name}'", branch.Syntax);
        }
    }

    /// <summary>The method returns <paramref name="value"/>: joined with the early returns of the branches before.</summary>
    private static void SetResult(Frame frame, Operand value) => frame.Result = frame.EarlyReturns is { } early ? early(value) : value;

    /// <summary>Adds an early return; the ones added later (inner, later in the code) apply to the final value first.</summary>
    private static void AddEarlyReturns(Frame frame, Func<Operand, Operand> join)
    {
        Func<Operand, Operand>? outer = frame.EarlyReturns;
        frame.EarlyReturns = outer is null ? join : rest => outer(join(rest));
    }

    /// <summary><c>Training ? a : b</c>, <c>residual ? a : b</c>: both lowered, joined.</summary>
    private Operand LowerBothValues(IConditionalOperation conditional, ArmChoice choice, bool whenTrueIsFirst, IOperation whenFalse, Frame frame)
    {
        Count(choice, conditional.Syntax);
        Operand whenTrue = Lower(conditional.WhenTrue, frame), otherwise = Lower(whenFalse, frame);
        string what = $"`{Short(conditional.Syntax)}`";
        return whenTrueIsFirst
            ? Join(choice, whenTrue, otherwise, what, conditional.Syntax)
            : Join(choice, otherwise, whenTrue, what, conditional.Syntax);
    }

    /// <summary>Notes a field branched on; a model may branch on <see cref="MaxFlags"/> of them.</summary>
    private void Count(ArmChoice choice, SyntaxNode syntax)
    {
        if (choice.Attrs is { } attrs && flags.Add(attrs.Text("flag")) && flags.Count > MaxFlags)
        {
            throw Break(syntax, choice.Construct, $"is a branch on a field beyond the first {MaxFlags} ({string.Join(", ", flags.Take(MaxFlags))}); each doubles the compiled variants", HeaderLocation(syntax));
        }
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

    /// <summary>One operand for what the first arm left and what the second arm left.</summary>
    private Operand Join(ArmChoice choice, Operand first, Operand second, string what, SyntaxNode syntax)
    {
        if (ReferenceEquals(first, second))
        {
            return first;
        }

        if (first is TensorOperand a && second is TensorOperand b)
        {
            if (a.Value == b.Value)
            {
                return first;
            }

            TensorType firstType = builder.TypeOf(a.Value), secondType = builder.TypeOf(b.Value);
            if (firstType != secondType)
            {
                throw Break(syntax, what, $"is {firstType} {choice.First} but {secondType} {choice.Second}; the compiled graph needs one type", HeaderLocation(syntax));
            }

            return new TensorOperand(Emit(choice.Op, [a.Value, b.Value], choice.Attrs, syntax));
        }

        if (first is NumberOperand { Value: var x } && second is NumberOperand { Value: var y } && x.Equals(y))
        {
            return first;
        }

        throw Break(syntax, what, $"differs between the arms ({choice.First} and {choice.Second}) and is not a tensor, so it cannot be chosen at run time", HeaderLocation(syntax));
    }
}
