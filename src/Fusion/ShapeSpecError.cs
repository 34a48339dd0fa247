namespace DeepGen.Fusion;

/// <summary>Why a shape annotation could not be parsed, and where.</summary>
/// <param name="OffendingText">The part of the annotation that is wrong (empty when something is missing at the end).</param>
/// <param name="Column">The 1-based column, in the annotation text, where the problem starts.</param>
/// <param name="Length">The length of <paramref name="OffendingText"/>.</param>
/// <param name="Message">A sentence naming the offending text and its column, e.g.
/// <c>unexpected character '/' at column 5; ...</c>.</param>
public sealed record ShapeSpecError(string OffendingText, int Column, int Length, string Message)
{
    /// <summary>The message.</summary>
    public override string ToString() => Message;
}

/// <summary>Thrown by <see cref="ShapeSpec.Parse(string)"/> for text that is not a valid shape.</summary>
public sealed class ShapeSpecException : FormatException
{
    /// <summary>Creates the exception from a parse error.</summary>
    public ShapeSpecException(ShapeSpecError error)
        : base("Invalid shape annotation: " + error.Message)
    {
        Error = error;
    }

    /// <summary>What is wrong and where.</summary>
    public ShapeSpecError Error { get; }
}
