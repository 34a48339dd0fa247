using DeepGen.Fusion.Ir;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;
using Microsoft.CodeAnalysis.Text;

namespace DeepGen.Generators;

// Torch.NoGrad() scopes: `using (Torch.NoGrad()) { ... }` and `using var _ = Torch.NoGrad();` (to the end
// of its block). What is computed inside carries no gradient, as in eager mode: each tensor that leaves the
// scope (a local declared outside it, or the returned value) and was computed inside passes through
// `detach`, so the backward stops there. Grad mode is not state of the graph; nothing else changes.
internal sealed partial class ForwardLowerer
{
    /// <summary>True for <c>Torch.NoGrad()</c> or <c>GradMode.NoGrad()</c> as a using's resource.</summary>
    private static bool IsNoGrad(IOperation? resource) =>
        resource?.DescendantsAndSelf().OfType<IInvocationOperation>().Any(call =>
            call.TargetMethod.Name == "NoGrad" && call.TargetMethod.ContainingType?.Name is "Torch" or "GradMode") == true;

    /// <summary><c>using (Torch.NoGrad()) { ... }</c>: the body runs as a no-grad scope.</summary>
    private void RunNoGrad(IUsingOperation statement, Frame frame)
    {
        NoGradScope scope = BeginNoGrad(statement.Syntax.Span, frame);
        Run(statement.Body, frame);
        EndNoGrad(scope, statement.Syntax, frame);
    }

    /// <summary><c>using var _ = Torch.NoGrad();</c>: a no-grad scope from here to the end of the enclosing block, which ends it.</summary>
    private void BeginNoGradDeclaration(IUsingDeclarationOperation declaration, Frame frame)
    {
        SyntaxNode block = declaration.Parent?.Syntax ?? declaration.Syntax;
        var span = TextSpan.FromBounds(declaration.Syntax.SpanStart, block.Span.End);
        frame.NoGradScopes.Push((BeginNoGrad(span, frame), declaration.Syntax));
    }

    /// <summary>Ends the no-grad scopes that <c>using var</c> declarations opened inside a block, at its end.</summary>
    private void EndNoGradDeclarations(int openBefore, Frame frame)
    {
        while (frame.NoGradScopes.Count > openBefore)
        {
            (NoGradScope scope, SyntaxNode syntax) = frame.NoGradScopes.Pop();
            EndNoGrad(scope, syntax, frame);
        }
    }

    private NoGradScope BeginNoGrad(TextSpan span, Frame frame) =>
        new(span, builder.Nodes.Count, new Dictionary<ISymbol, Operand>(frame.Locals, SymbolEqualityComparer.Default), frame.Result);

    private void EndNoGrad(NoGradScope scope, SyntaxNode syntax, Frame frame)
    {
        foreach (KeyValuePair<ISymbol, Operand> local in frame.Locals.ToList())
        {
            bool changed = !scope.Locals.TryGetValue(local.Key, out Operand? before) || !ReferenceEquals(before, local.Value);
            if (changed && !DeclaredInside(local.Key, scope.Span) && Detached(local.Value, scope, syntax) is { } detached)
            {
                frame.Locals[local.Key] = detached;
            }
        }

        if (frame.Result is { } result && !ReferenceEquals(result, scope.Result) && Detached(result, scope, syntax) is { } detachedResult)
        {
            frame.Result = detachedResult;
        }
    }

    /// <summary>The tensor through <c>detach</c> when the scope computed it; null when it is not a tensor or came from before the scope.</summary>
    private Operand? Detached(Operand operand, NoGradScope scope, SyntaxNode syntax) =>
        operand is TensorOperand { Value: var value } && value.Node >= scope.FirstNode
            ? new TensorOperand(Emit("detach", [value], null, syntax))
            : null;

    private static bool DeclaredInside(ISymbol local, TextSpan span) =>
        local is ILocalSymbol && local.DeclaringSyntaxReferences.Any(r => span.Contains(r.Span));
}

/// <summary>A no-grad scope being run: where it is in the source, and what the graph and the locals were when it began.</summary>
internal sealed class NoGradScope(TextSpan span, int firstNode, Dictionary<ISymbol, Operand> locals, Operand? result)
{
    public TextSpan Span { get; } = span;

    public int FirstNode { get; } = firstNode;

    public Dictionary<ISymbol, Operand> Locals { get; } = locals;

    public Operand? Result { get; } = result;
}
