using Microsoft.CodeAnalysis;

namespace DeepGen.Analyzers;

/// <summary>The diagnostics that the analyzers report. IDs are listed in AnalyzerReleases.*.md and documented in docs/diagnostics.</summary>
public static class Descriptors
{
    private const string Category = "DeepGen";

    /// <summary>DG0001: a <c>[Model]</c> class that is not <c>partial</c>, so the generator cannot add to it.</summary>
    public static readonly DiagnosticDescriptor ModelMustBePartial = new(
        id: "DG0001",
        title: "[Model] class must be partial",
        messageFormat: "The [Model] class '{0}' must be declared partial so that DeepGen can generate the rest of it",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "DeepGen's generator writes a model's compiled forward and backward passes into the other half of a partial class; without 'partial' it cannot.",
        helpLinkUri: "docs/diagnostics/DG0001.md");
}
