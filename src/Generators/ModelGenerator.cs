using DeepGen.Fusion;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace DeepGen.Generators;

/// <summary>
/// The DeepGen model generator. For each <c>partial</c> class marked <c>[DeepGen.Model]</c> it builds a
/// <see cref="ModelSpec"/> and checks the <c>[Shape]</c> annotations of <c>Forward</c> with
/// <see cref="ShapeSpec"/> (DG0002). It writes no source yet: the compiled forward/backward arrive with
/// the Fusion IR. Non-partial [Model] classes are left to the analyzer (DG0001).
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class ModelGenerator : IIncrementalGenerator
{
    /// <summary>The metadata name of the attribute that marks a model class.</summary>
    public const string ModelAttributeName = "DeepGen.ModelAttribute";

    /// <inheritdoc />
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        IncrementalValuesProvider<ModelSpec> models = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                ModelAttributeName,
                predicate: static (node, _) =>
                    node is ClassDeclarationSyntax declaration && declaration.Modifiers.Any(SyntaxKind.PartialKeyword),
                transform: ModelParser.Parse)
            .WithTrackingName(TrackingNames.Models);

        IncrementalValuesProvider<EquatableArray<DiagnosticInfo>> diagnostics = models
            .Select(static (model, _) => ShapeDiagnostics(model))
            .WithTrackingName(TrackingNames.ShapeDiagnostics);

        context.RegisterSourceOutput(diagnostics, static (output, found) =>
        {
            foreach (DiagnosticInfo diagnostic in found)
            {
                output.ReportDiagnostic(diagnostic.ToDiagnostic());
            }
        });
    }

    /// <summary>DG0002 for each <c>[Shape]</c> annotation of <paramref name="model"/> that does not parse.</summary>
    internal static EquatableArray<DiagnosticInfo> ShapeDiagnostics(ModelSpec model)
    {
        var found = new List<DiagnosticInfo>();
        foreach (ShapeAnnotationSpec shape in model.Shapes)
        {
            if (!ShapeSpec.TryParse(shape.Text, out _, out ShapeSpecError? error))
            {
                found.Add(new DiagnosticInfo(
                    Descriptors.InvalidShapeAnnotation,
                    shape.Location,
                    new[] { shape.Text ?? "null", shape.Target, error.Message }.ToEquatableArray()));
            }
        }

        return found.ToEquatableArray();
    }
}
