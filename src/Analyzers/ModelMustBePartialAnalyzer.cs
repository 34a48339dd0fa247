using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;

namespace DeepGen.Analyzers;

/// <summary>DG0001: a class marked <c>[DeepGen.Model]</c> must be <c>partial</c>. Reported on the class name.</summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class ModelMustBePartialAnalyzer : DiagnosticAnalyzer
{
    /// <summary>The metadata name of the attribute that marks a model class.</summary>
    public const string ModelAttributeName = "DeepGen.ModelAttribute";

    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
        ImmutableArray.Create(Descriptors.ModelMustBePartial);

    /// <inheritdoc />
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            INamedTypeSymbol? modelAttribute = start.Compilation.GetTypeByMetadataName(ModelAttributeName);
            if (modelAttribute is null)
            {
                return; // DeepGen.Runtime is not referenced: nothing can be a model
            }

            start.RegisterSyntaxNodeAction(node => AnalyzeClass(node, modelAttribute), SyntaxKind.ClassDeclaration);
        });
    }

    private static void AnalyzeClass(SyntaxNodeAnalysisContext context, INamedTypeSymbol modelAttribute)
    {
        var declaration = (ClassDeclarationSyntax)context.Node;
        if (declaration.AttributeLists.Count == 0 || declaration.Modifiers.Any(SyntaxKind.PartialKeyword))
        {
            return;
        }

        if (context.SemanticModel.GetDeclaredSymbol(declaration, context.CancellationToken) is not INamedTypeSymbol type)
        {
            return;
        }

        foreach (AttributeData attribute in type.GetAttributes())
        {
            if (SymbolEqualityComparer.Default.Equals(attribute.AttributeClass, modelAttribute))
            {
                context.ReportDiagnostic(Diagnostic.Create(
                    Descriptors.ModelMustBePartial, declaration.Identifier.GetLocation(), type.Name));
                return;
            }
        }
    }
}
