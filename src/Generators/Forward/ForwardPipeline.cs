using DeepGen.Fusion;
using DeepGen.Fusion.Emit.CSharp;
using DeepGen.Fusion.Ir;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace DeepGen.Generators;

/// <summary>
/// The incremental steps of the forward compiler's front-end: lower each [Model] class's Forward
/// (<see cref="TrackingNames.ForwardLowering"/>), report its graph breaks and shape errors
/// (<see cref="TrackingNames.ForwardDiagnostics"/>), and hand the emitter a location-free
/// <see cref="ForwardModel"/> (<see cref="TrackingNames.Forward"/>).
/// </summary>
internal static class ForwardPipeline
{
    /// <summary>
    /// Registers the steps; returns, per [Model] class, the model the forward emitter compiles, or null
    /// when its Forward does not compile (or it has none). A consumer skips the nulls in its output action,
    /// as the registration emitter does, rather than filtering with <c>Where</c>: its output then reads this
    /// step directly, which the caching tests check, and the step is tracked even when no model compiles.
    /// </summary>
    public static IncrementalValuesProvider<ForwardModel?> Register(IncrementalGeneratorInitializationContext context, IncrementalValueProvider<string> projectDirectory)
    {
        IncrementalValuesProvider<ForwardLowering> lowered = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                ModelGenerator.ModelAttributeName,
                predicate: static (node, _) =>
                    node is ClassDeclarationSyntax declaration && declaration.Modifiers.Any(SyntaxKind.PartialKeyword),
                transform: ForwardLowerer.Lower)
            .WithTrackingName(TrackingNames.ForwardLowering);

        IncrementalValuesProvider<EquatableArray<DiagnosticInfo>> diagnostics = lowered
            .Select(static (lowering, _) => lowering.Diagnostics)
            .WithTrackingName(TrackingNames.ForwardDiagnostics);

        context.RegisterSourceOutput(diagnostics, static (output, found) =>
        {
            foreach (DiagnosticInfo diagnostic in found)
            {
                output.ReportDiagnostic(diagnostic.ToDiagnostic());
            }
        });

        // Locations leave here: the graph loses its source spans and the path becomes the display path,
        // so an edit that only moves code yields an equal model and the emit is not run again.
        return lowered
            .Combine(projectDirectory)
            .Select(static (pair, _) => pair.Left.Model is { } model ? WithoutLocations(model, pair.Right) : null)
            .WithTrackingName(TrackingNames.Forward);
    }

    private static ForwardModel WithoutLocations(ForwardModel model, string projectDirectory) => model with
    {
        SourceDisplayPath = RegistrationEmitter.DisplayPath(model.SourceDisplayPath, projectDirectory),
        Graph = WithoutSpans(model.Graph),
        Parts = model.Parts.Select(part => part is CompiledPart region ? region with { Graph = WithoutSpans(region.Graph) } : part).ToEquatableArray(),
    };

    private static IrGraph WithoutSpans(IrGraph graph) =>
        graph with { Nodes = graph.Nodes.Select(node => node with { Source = null }).ToEquatableArray() };
}
