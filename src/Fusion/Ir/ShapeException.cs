namespace DeepGen.Fusion.Ir;

/// <summary>
/// An op's shape or dtype rule rejected its inputs. The message names the op and the shapes, as PyTorch's
/// errors do (<c>linear: input [B, 784] and weight [256, 78]: ...</c>); the front-end reports it at <see cref="Source"/>.
/// </summary>
public sealed class ShapeException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ShapeException(string op, string detail, SourceSpan? source)
        : base(op + ": " + detail)
    {
        Op = op;
        Detail = detail;
        Span = source;
    }

    /// <summary>The op whose rule failed.</summary>
    public string Op { get; }

    /// <summary>What is wrong, without the op's name.</summary>
    public string Detail { get; }

    /// <summary>The expression that built the node, when the front-end gave one.</summary>
    public SourceSpan? Span { get; }
}
