using Microsoft.CodeAnalysis;

namespace DeepGen.Generators;

/// <summary>Thrown by the lowering at a construct it cannot compile; becomes DG0006 at <see cref="Node"/>.</summary>
internal sealed class GraphBreakException(SyntaxNode node, string reason, Location? location = null) : Exception(reason)
{
    /// <summary>The construct.</summary>
    public SyntaxNode Node { get; } = node;

    /// <summary>Where to report it, when narrower than <see cref="Node"/> (an <c>if</c>'s header).</summary>
    public Location Location { get; } = location ?? node.GetLocation();

    /// <summary>The reason, e.g. "the `if` at line 12 branches on a tensor's value".</summary>
    public string Reason { get; } = reason;
}

/// <summary>Thrown when an op's shape rule rejects its inputs; becomes DG0007 at <see cref="Node"/>.</summary>
internal sealed class ShapeErrorException(SyntaxNode node, string message) : Exception(message)
{
    public SyntaxNode Node { get; } = node;
}

/// <summary>DG0006's second argument: what runs eagerly.</summary>
internal static class EagerScope
{
    /// <summary>The whole Forward runs on the eager path.</summary>
    public const string WholeForward = "eagerly";

    /// <summary>Only the statement reported runs eagerly, between compiled regions.</summary>
    public const string BetweenRegions = "this statement eagerly, between compiled regions";
}
