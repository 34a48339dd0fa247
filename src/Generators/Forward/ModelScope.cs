using Microsoft.CodeAnalysis;

namespace DeepGen.Generators;

/// <summary>
/// One model class being lowered: the top-level model, or a sub-model inlined into it. Its members'
/// state names and access expressions carry the path from the top-level model (<c>block.fc1</c>).
/// </summary>
internal sealed class ModelScope
{
    public ModelScope(INamedTypeSymbol type, string statePrefix, string accessPrefix, IReadOnlyDictionary<IParameterSymbol, Operand>? constructorArguments, int depth)
    {
        Type = type;
        StatePrefix = statePrefix;
        AccessPrefix = accessPrefix;
        ConstructorArguments = constructorArguments;
        Depth = depth;
    }

    /// <summary>The model class.</summary>
    public INamedTypeSymbol Type { get; }

    /// <summary>Prepended to its members' state-dict names: "" or e.g. <c>block.</c>.</summary>
    public string StatePrefix { get; }

    /// <summary>Prepended to its members' access expressions: "" or e.g. <c>block.</c>.</summary>
    public string AccessPrefix { get; }

    /// <summary>
    /// For an inlined sub-model, what its constructor's parameters were given (evaluated where the outer
    /// model creates it); null for the top-level model, whose whole-number constructor parameters are symbolic dimensions.
    /// </summary>
    public IReadOnlyDictionary<IParameterSymbol, Operand>? ConstructorArguments { get; }

    /// <summary>0 for the top-level model, 1 for its sub-models, ...</summary>
    public int Depth { get; }

    /// <summary>True for an inlined sub-model.</summary>
    public bool IsInlined => Depth > 0;
}

/// <summary>The locals of one method body being run (Forward, or an inlined helper or sub-model Forward).</summary>
internal sealed class Frame(ModelScope model, string methodName, bool isConstructor = false)
{
    /// <summary>True while evaluating a member's initializer or constructor assignment: no graph nodes are made there.</summary>
    public bool IsConstructor { get; } = isConstructor;

    public ModelScope Model { get; } = model;

    /// <summary>E.g. <c>Block.Forward</c>, for reasons given inside an inlined body.</summary>
    public string MethodName { get; } = methodName;

    public Dictionary<ISymbol, Operand> Locals { get; } = new(SymbolEqualityComparer.Default);

    /// <summary>The returned value, once a <c>return</c> ran.</summary>
    public Operand? Result { get; set; }

    /// <summary>
    /// What the returned value becomes once the method returns, after an arm of a branch on Training or on a
    /// field returned early and the other went on: the early value in that arm, the final one otherwise (see
    /// <c>ForwardLowerer.SetResult</c>); null when no arm returned early.
    /// </summary>
    public Func<Operand, Operand>? EarlyReturns { get; set; }

    /// <summary>How many loops enclose the statement being run.</summary>
    public int LoopDepth { get; set; }

    /// <summary>The <c>using var _ = Torch.NoGrad();</c> scopes open in the blocks being run, innermost on top, with their declarations.</summary>
    public Stack<(NoGradScope Scope, SyntaxNode Declaration)> NoGradScopes { get; } = new();
}
