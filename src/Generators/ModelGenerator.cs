using DeepGen.Fusion;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace DeepGen.Generators;

/// <summary>
/// The DeepGen model generator. For each <c>partial</c> class marked <c>[DeepGen.Model]</c> it builds a
/// <see cref="ModelSpec"/>, reports its diagnostics (DG0002 to DG0005) and writes its <c>VisitMembers</c>
/// override (<see cref="RegistrationEmitter"/>) into <c>&lt;Namespace&gt;.&lt;Type&gt;.g.cs</c>. The
/// compiled forward/backward arrive with the Fusion IR. Non-partial [Model] classes are left to the
/// analyzer (DG0001).
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class ModelGenerator : IIncrementalGenerator
{
    /// <summary>The metadata name of the attribute that marks a model class.</summary>
    public const string ModelAttributeName = "DeepGen.ModelAttribute";

    /// <summary>Whether <paramref name="type"/> is marked [Model].</summary>
    public static bool IsModelClass(ITypeSymbol type) => type.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == ModelAttributeName);

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
            .Select(static (model, _) => ModelDiagnostics.Of(model))
            .WithTrackingName(TrackingNames.Diagnostics);

        context.RegisterSourceOutput(diagnostics, static (output, found) =>
        {
            foreach (DiagnosticInfo diagnostic in found)
            {
                output.ReportDiagnostic(diagnostic.ToDiagnostic());
            }
        });

        IncrementalValueProvider<string> projectDirectory = context.AnalyzerConfigOptionsProvider
            .Select(static (options, _) =>
                options.GlobalOptions.TryGetValue("build_property.projectdir", out string? directory) ? directory : string.Empty)
            .WithTrackingName(TrackingNames.ProjectDirectory);

        // The registration spec holds no locations: moving code around a model leaves it equal, and the
        // emit below is skipped.
        IncrementalValuesProvider<RegistrationSpec?> registrations = models
            .Combine(projectDirectory)
            .Select(static (pair, _) => RegistrationEmitter.Plan(pair.Left, pair.Right))
            .WithTrackingName(TrackingNames.Registration);

        context.RegisterSourceOutput(registrations, static (output, registration) =>
        {
            if (registration is not null)
            {
                output.AddSource(registration.HintName, RegistrationEmitter.Emit(registration));
            }
        });

        // The compiled forward: Forward lowered to Fusion IR (ForwardPipeline), then the C# emitter.
        IncrementalValuesProvider<ForwardModel?> forwards = ForwardPipeline.Register(context, projectDirectory);
        context.RegisterSourceOutput(forwards, CompiledForwardOutput.Emit);

        // model.Forward(x) calls in the project, sent to the compiled dispatch when the project opts in.
        ForwardCalls.Register(context, forwards);
    }
}
