namespace DeepGen;

// This file is also compiled, as source text, into the analyzer and generator tests
// (tests/Analyzers.Tests, tests/SnapshotTests): keep it self-contained (no dependency on
// other runtime types, fully qualified System names).

/// <summary>
/// Marks a <c>partial</c> class as a DeepGen model. At build time the DeepGen source generator reads
/// the class (its fields and its <c>Forward</c> method), checks tensor shapes and writes the compiled
/// forward and backward passes into the other half of the partial class.
/// </summary>
/// <remarks>
/// The class must be declared <c>partial</c> (diagnostic DG0001 otherwise).
/// </remarks>
/// <example>
/// <code>
/// [Model]
/// public partial class Classifier : Module
/// {
///     public Tensor Forward([Shape("B, 1, 28, 28")] Tensor x) { ... }
/// }
/// </code>
/// </example>
[System.AttributeUsage(System.AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class ModelAttribute : System.Attribute
{
}

/// <summary>
/// Declares the shape of a tensor parameter or return value, for example
/// <c>[Shape("B, 1, 28, 28")]</c> or <c>[return: Shape("B, 10")]</c>.
/// </summary>
/// <remarks>
/// <para>
/// The specification is a comma-separated list of dimensions. Each dimension is one of:
/// a whole number (<c>28</c>); a name, which stands for a size fixed at run time and must agree
/// everywhere it appears (<c>B</c>); a name scaled and offset by whole numbers (<c>4*C</c>,
/// <c>T+1</c>, <c>2*H-1</c>); or <c>*</c>, any number of further dimensions (at most once,
/// as in <c>"N, *"</c>). An empty string declares a scalar (rank 0).
/// </para>
/// <para>
/// The generator checks the text at build time and reports DG0002 when it cannot be parsed.
/// </para>
/// </remarks>
[System.AttributeUsage(System.AttributeTargets.Parameter | System.AttributeTargets.ReturnValue, AllowMultiple = false, Inherited = false)]
public sealed class ShapeAttribute : System.Attribute
{
    /// <summary>Creates the annotation from its specification text.</summary>
    /// <param name="spec">The shape specification, for example <c>"B, T, 4*C"</c>.</param>
    public ShapeAttribute(string spec)
    {
        Spec = spec;
    }

    /// <summary>The shape specification text as written in the attribute.</summary>
    public string Spec { get; }
}
