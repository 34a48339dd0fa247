using DeepGen.Fusion.Ir;

namespace DeepGen.Fusion.Emit.CSharp;

/// <summary>
/// One piece of a <c>Forward</c> split at graph breaks (TorchDynamo's): a compiled region or the eager
/// statements between two. The dispatch runs the pieces in order; the C# locals of <c>Forward</c> carry
/// the tensors from one to the next.
/// </summary>
public abstract record ForwardPart;

/// <summary>A compiled region: its own graph, forward, backward and autograd node.</summary>
/// <param name="Graph">
/// The region's graph (not yet specialised or differentiated). Its arguments are named after the C# locals
/// they read (the Forward argument, or tensors that an earlier region or eager statement left).
/// </param>
/// <param name="Outputs">
/// The locals its results are assigned to, one per graph output, in order; empty when the region ends with
/// Forward's <c>return</c> (its one output is returned).
/// </param>
/// <param name="Declares">The locals of <paramref name="Outputs"/> that the dispatch declares here (their first assignment there).</param>
public sealed record CompiledPart(IrGraph Graph, EquatableArray<string> Outputs, EquatableArray<string> Declares) : ForwardPart;

/// <summary>Statements of <c>Forward</c> that run eagerly, copied as written.</summary>
/// <param name="Code">The statements' source text, re-indented to start at column 0.</param>
/// <param name="Reason">
/// Why they are not compiled (the graph break's reason, without line numbers, so that an edit that only
/// moves code leaves the emit cached), or "" for statements without tensor operations (<c>return h;</c>).
/// </param>
/// <param name="NullableEnabled">True when the model's code has nullable annotations and warnings enabled there.</param>
public sealed record EagerPart(string Code, string Reason, bool NullableEnabled) : ForwardPart;
