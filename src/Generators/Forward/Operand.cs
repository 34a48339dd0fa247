using DeepGen.Fusion.Ir;
using Microsoft.CodeAnalysis;

namespace DeepGen.Generators;

/// <summary>What a C# expression in <c>Forward</c> is to the lowering: a tensor in the graph, or a value known at build time.</summary>
internal abstract class Operand
{
}

/// <summary>A tensor: one output of a graph node.</summary>
internal sealed class TensorOperand(Value value) : Operand
{
    public Value Value { get; } = value;
}

/// <summary>A floating-point number known at build time (a literal, a constant field, a folded expression).</summary>
internal sealed class NumberOperand(double value) : Operand
{
    public double Value { get; } = value;
}

/// <summary>A whole number, known at build time or as an expression of a symbolic dimension.</summary>
internal sealed class SizeOperand(SizeExpr size) : Operand
{
    public SizeExpr Size { get; } = size;
}

/// <summary>A bool known at build time.</summary>
internal sealed class BoolOperand(bool value) : Operand
{
    public bool Value { get; } = value;
}

/// <summary>A string, an enum member's name, or null, known at build time.</summary>
internal sealed class TextOperand(string? value) : Operand
{
    public string? Value { get; } = value;
}

/// <summary>An array of build-time values (the <c>params int[]</c> of <c>Reshape</c>, <c>Permute</c>, ...).</summary>
internal sealed class ListOperand(IReadOnlyList<Operand> items) : Operand
{
    public IReadOnlyList<Operand> Items { get; } = items;
}

/// <summary>
/// A sub-module of the model being lowered (a field or property whose type is a Module), or, with
/// <paramref name="isListElement"/>, any block of such a <c>ModuleList&lt;T&gt;</c> (typed as T, made in a way the
/// build does not see, so its constructor's arguments are unknown).
/// </summary>
internal sealed class ModuleOperand(ISymbol member, ITypeSymbol type, ModelScope owner, bool isListElement = false) : Operand
{
    public ISymbol Member { get; } = member;

    public ITypeSymbol Type { get; } = type;

    public ModelScope Owner { get; } = owner;

    public bool IsListElement { get; } = isListElement;

    /// <summary>For a module listed in a <c>Sequential</c> field: where it is and how it was made; null for a field itself.</summary>
    public ListedModule? Element { get; init; }
}

/// <summary>A module listed in a <c>Sequential</c> field.</summary>
/// <param name="State">Its state-dict name below the owner (<c>body.0</c>).</param>
/// <param name="Access">The C# expression that reaches it (<c>((DeepGen.Linear)body[0])</c>).</param>
/// <param name="Creation">Its <c>new ...</c> in the Sequential's constructor call.</param>
internal sealed record ListedModule(string State, string Access, Microsoft.CodeAnalysis.Operations.IObjectCreationOperation Creation);

/// <summary>A value the lowering does not know at build time (a non-constant field, a run-time count).</summary>
internal sealed class UnknownOperand(string what) : Operand
{
    /// <summary>What it is, for a graph-break reason: e.g. "field 'scale', which is set at run time".</summary>
    public string What { get; } = what;
}
