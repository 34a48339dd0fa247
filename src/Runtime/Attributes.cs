namespace DeepGen;

// The attributes a model is written with. The generator and the analyzers know them only by their
// metadata names (DeepGen.ModelAttribute, ...), never by reference: keep this file self-contained
// (no dependency on other runtime types, fully qualified System names) so that it compiles on its own.

/// <summary>
/// Marks a <c>partial</c> class as a DeepGen model. At build time the DeepGen source generator reads
/// the class (its fields and its <c>Forward</c> method), checks tensor shapes and writes the compiled
/// forward and backward passes into the other half of the partial class.
/// </summary>
/// <remarks>
/// <para>
/// The class must be declared <c>partial</c> (diagnostic DG0001 otherwise) and derive from
/// <c>DeepGen.Module</c> (DG0004 otherwise).
/// </para>
/// <para>
/// The generator writes the class's <c>VisitMembers</c>, which names its parameters, buffers and
/// sub-modules without reflection: every instance field and auto-property, in declaration order, whose
/// type is <c>Tensor</c> (a parameter, or a buffer when marked <see cref="BufferAttribute"/>) or a
/// <c>Module</c> (a sub-module). Each is registered under its member name with one leading underscore
/// removed (<c>_conv1</c> becomes <c>conv1</c>), so state dict keys read as PyTorch's (<c>conv1.weight</c>).
/// A base class's members come first. A class that writes <c>VisitMembers</c> itself gets none (DG0003).
/// </para>
/// </remarks>
/// <example>
/// <code>
/// [Model]
/// public partial class Classifier : Module
/// {
///     readonly Conv2d conv1 = new(1, 32, kernelSize: 3);   // sub-module "conv1"
///     readonly Tensor _scale = Tensor.Ones(32);            // parameter "scale"
///     [Buffer] readonly Tensor steps = Tensor.Zeros(1);    // buffer "steps"
///
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

/// <summary>
/// Marks a <c>Tensor</c> field or auto-property of a <c>[Model]</c> class as a buffer: state that is
/// saved and moved with the model but not trained (PyTorch's <c>register_buffer</c>), such as running
/// statistics. Unmarked tensor members are parameters.
/// </summary>
/// <example>
/// <code>
/// [Buffer] readonly Tensor runningMean = Tensor.Zeros(16);                       // in the state dict
/// [Buffer(Persistent = false)] readonly Tensor mask = Tensor.Ones(16, 16);      // not in the state dict
/// </code>
/// </example>
[System.AttributeUsage(System.AttributeTargets.Field | System.AttributeTargets.Property, AllowMultiple = false, Inherited = false)]
public sealed class BufferAttribute : System.Attribute
{
    /// <summary>
    /// Whether the buffer is part of the state dict (true, the default). A non-persistent buffer is still
    /// listed by <c>NamedBuffers</c> but is neither saved nor loaded.
    /// </summary>
    public bool Persistent { get; set; } = true;
}
