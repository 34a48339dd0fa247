using DeepGen.Fusion.Ir;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace DeepGen.Generators;

// Reading a call's or a constructor's arguments by parameter name; omitted optional arguments come
// with their default values in Roslyn's operation tree, so defaults need no special case.
internal sealed partial class ForwardLowerer
{
    private static IOperation Arg(IOperation call, string name)
    {
        foreach (IArgumentOperation argument in Arguments(call))
        {
            if (argument.Parameter?.Name == name)
            {
                return argument.Value;
            }
        }

        throw new InvalidOperationException($"`{call.Syntax}` has no parameter '{name}'.");
    }

    private static bool Has(IOperation call, string name) => Arguments(call).Any(a => a.Parameter?.Name == name);

    private static IEnumerable<IArgumentOperation> Arguments(IOperation call) => call switch
    {
        IInvocationOperation invocation => invocation.Arguments,
        IObjectCreationOperation creation => creation.Arguments,
        _ => [],
    };

    /// <summary>A whole-number argument that must be known at build time (a stride, a dim, a kernel size).</summary>
    private long IntArg(IOperation call, string name, Frame frame)
    {
        Operand operand = Lower(Arg(call, name), frame);
        return operand is SizeOperand { Size.IsConstant: true } size ? size.Size.Offset : throw NotConstant(call, name, operand);
    }

    private long DimArg(IOperation call, string name, int rank, Frame frame) => NormalizeDim(IntArg(call, name, frame), rank);

    private double RealArg(IOperation call, string name, Frame frame)
    {
        Operand operand = Lower(Arg(call, name), frame);
        return Number(operand) ?? throw NotConstant(call, name, operand);
    }

    private bool BoolArg(IOperation call, string name, Frame frame)
    {
        Operand operand = Lower(Arg(call, name), frame);
        return operand is BoolOperand value ? value.Value : throw NotConstant(call, name, operand);
    }

    private string TextArg(IOperation call, string name, Frame frame)
    {
        Operand operand = Lower(Arg(call, name), frame);
        return operand is TextOperand { Value: { } text } ? text : throw NotConstant(call, name, operand);
    }

    /// <summary>An <c>int[]</c> argument (or a single int) known at build time.</summary>
    private long[] IntsArg(IOperation call, string name, Frame frame)
    {
        Operand operand = Lower(Arg(call, name), frame);
        IReadOnlyList<Operand> items = operand is ListOperand list ? list.Items : [operand];
        var values = new long[items.Count];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = items[i] is SizeOperand { Size.IsConstant: true } size ? size.Size.Offset : throw NotConstant(call, name, items[i]);
        }

        return values;
    }

    /// <summary>A <c>Tensor?</c> argument: null when it is null.</summary>
    private Value? OptionalTensor(IOperation call, string name, Frame frame)
    {
        IOperation argument = Arg(call, name);
        Operand operand = Lower(argument, frame);
        return operand is TextOperand { Value: null } ? null : AsTensor(operand, argument.Syntax, $"`{Short(argument.Syntax)}`");
    }

    private static GraphBreakException NotConstant(IOperation call, string name, Operand operand)
    {
        string uses = operand is UnknownOperand unknown ? $" (it uses {unknown.What})" : string.Empty;
        string callee = call switch
        {
            IInvocationOperation invocation => $"{invocation.TargetMethod.ContainingType.Name}.{invocation.TargetMethod.Name}",
            IObjectCreationOperation creation => $"new {creation.Type?.Name}",
            _ => "the call",
        };
        return Break(call.Syntax, $"the argument '{name}' of `{callee}`", $"is not known at build time{uses}");
    }
}
