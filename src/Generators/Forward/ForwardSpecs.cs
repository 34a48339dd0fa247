using DeepGen.Fusion;
using DeepGen.Fusion.Emit.CSharp;
using DeepGen.Fusion.Ir;

namespace DeepGen.Generators;

/// <summary>
/// Everything the forward emitter needs for one model whose <c>Forward</c> lowered to Fusion IR, and
/// nothing else: no locations (the graph's nodes carry no <see cref="SourceSpan"/> here), so edits that
/// only move code leave it equal and the emit cached. Produced by the <see cref="TrackingNames.Forward"/> step.
/// </summary>
/// <param name="Namespace">The containing namespace, or "".</param>
/// <param name="ClassName">The class name with type parameters (e.g. <c>Classifier</c>).</param>
/// <param name="ContainingTypes">Enclosing types, outermost first, for nested model classes.</param>
/// <param name="HintName">A generated file name for the compiled forward, unique per type (<c>Sample.Classifier.Forward.g.cs</c>).</param>
/// <param name="SourceDisplayPath">The declaring file's path for a header, relative to the project when possible.</param>
/// <param name="InputNames">Forward's parameter names, in order (the graph's <c>input</c> nodes have the same order and names).</param>
/// <param name="Parameters">The graph's <c>parameter</c> and <c>buffer</c> nodes with the C# expressions that read them.</param>
/// <param name="NodeText">For each graph node (by id), the C# source text it was lowered from, or "" (inputs, parameters, constants); for comments.</param>
/// <param name="Graph">The lowered forward graph, without source spans; for a split Forward, its arguments only.</param>
/// <param name="Parts">
/// Empty when Forward lowered whole; else Forward split at graph breaks: compiled regions (each graph's
/// arguments named after the locals they read) and the eager statements between them, in order. Then
/// <paramref name="Parameters"/> holds every region's parameters (each <see cref="ForwardParameter.Node"/> in
/// its own region's graph) and <paramref name="NodeText"/> is empty text for <paramref name="Graph"/>'s nodes.
/// </param>
/// <param name="Usings">For a split Forward, the using directives of its file (the eager statements are copied from there).</param>
internal sealed record ForwardModel(
    string Namespace,
    string ClassName,
    EquatableArray<TypeDeclSpec> ContainingTypes,
    string HintName,
    string SourceDisplayPath,
    EquatableArray<string> InputNames,
    EquatableArray<ForwardParameter> Parameters,
    EquatableArray<string> NodeText,
    IrGraph Graph,
    EquatableArray<ForwardPart> Parts,
    EquatableArray<string> Usings)
{
    /// <summary>The <c>[UnsafeAccessor]</c> declarations that <see cref="Parameters"/>' access expressions call (members of inlined sub-models).</summary>
    public EquatableArray<string> Accessors { get; init; } = EquatableArray<string>.Empty;
}

/// <summary>A parameter or buffer that the compiled forward reads.</summary>
/// <param name="Node">The id of its <c>parameter</c>/<c>buffer</c> node in the graph.</param>
/// <param name="StateName">Its state-dict name, e.g. <c>fc1.weight</c>, <c>block.bn1.running_mean</c>.</param>
/// <param name="Access">The C# expression, from <c>this</c>, that yields the tensor, e.g. <c>fc1.Weight</c>, <c>bn1.RunningMean</c>.</param>
/// <param name="IsBuffer">True for a buffer (not trained), such as batch norm's running statistics.</param>
/// <param name="MayBeNull">True when the member is declared <c>Tensor?</c> (batch norm's and layer norm's), so the emitter adds <c>!</c>.</param>
/// <param name="CrossesModel">True when the compiled code cannot reach it: a member of an inlined sub-model whose type it cannot name (see <c>ForwardLowerer.MemberAccess</c>).</param>
internal sealed record ForwardParameter(int Node, string StateName, string Access, bool IsBuffer, bool MayBeNull, bool CrossesModel);

/// <summary>
/// The result of lowering one model's <c>Forward</c>: the model (null when <c>Forward</c> does not
/// compile, or there is none) and the diagnostics (DG0006 graph breaks, DG0007 shape errors, DG0008 to DG0010), with
/// their locations. The <see cref="TrackingNames.ForwardLowering"/> step's value.
/// </summary>
/// <param name="Model">What the emitter needs, without locations; <see cref="ForwardModel.SourceDisplayPath"/> is still the raw path here.</param>
/// <param name="SourcePath">The path of the file that declares the model (for the display path).</param>
/// <param name="Diagnostics">DG0006 to DG0010.</param>
internal sealed record ForwardLowering(ForwardModel? Model, string SourcePath, EquatableArray<DiagnosticInfo> Diagnostics);
