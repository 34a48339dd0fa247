using Microsoft.CodeAnalysis;

namespace DeepGen.Generators;

/// <summary>The diagnostics that the generator reports. IDs are listed in AnalyzerReleases.*.md and documented in docs/diagnostics.</summary>
public static class Descriptors
{
    private const string Category = "DeepGen";

    /// <summary>DG0002: a <c>[Shape]</c> string that does not parse.</summary>
    public static readonly DiagnosticDescriptor InvalidShapeAnnotation = new(
        id: "DG0002",
        title: "Invalid shape annotation",
        messageFormat: "Invalid shape annotation \"{0}\" on {1}: {2}",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "A [Shape] string is a comma-separated list of dimensions: names (B), whole numbers (28), a name scaled or offset by whole numbers (4*C, T+1), or '*' for any number of dimensions.",
        helpLinkUri: "docs/diagnostics/DG0002.md");
}
