using DeepGen.Fusion;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace DeepGen.Generators;

// Plain, equatable data that flows through the incremental pipeline. No ISymbol, SyntaxNode,
// Compilation or Location in here: those would defeat caching (and keep compilations alive).

/// <summary>What the generator knows about one <c>[Model]</c> class.</summary>
/// <param name="Namespace">The containing namespace, or "" for the global namespace.</param>
/// <param name="ClassName">The class name, with type parameters if any (e.g. <c>Classifier</c>).</param>
/// <param name="ContainingTypes">Enclosing types, outermost first, for nested model classes.</param>
/// <param name="Fields">The instance fields, in declaration order.</param>
/// <param name="Shapes">The <c>[Shape]</c> annotations on <c>Forward</c>'s parameters and return value.</param>
public sealed record ModelSpec(
    string Namespace,
    string ClassName,
    EquatableArray<TypeDeclSpec> ContainingTypes,
    EquatableArray<FieldSpec> Fields,
    EquatableArray<ShapeAnnotationSpec> Shapes);

/// <summary>An enclosing type declaration: its keyword (<c>class</c>, <c>struct</c>, <c>record</c>, ...) and name.</summary>
public sealed record TypeDeclSpec(string Keyword, string Name);

/// <summary>An instance field: its name and its type's fully qualified name (<c>global::DeepGen.Linear</c>).</summary>
public sealed record FieldSpec(string Name, string TypeFullName);

/// <summary>One <c>[Shape("...")]</c> annotation.</summary>
/// <param name="Text">The annotation text; null when the argument is null.</param>
/// <param name="Target">What it annotates, in words, e.g. <c>parameter 'x' of Classifier.Forward</c>.</param>
/// <param name="Location">Where the attribute's argument is written.</param>
public sealed record ShapeAnnotationSpec(string? Text, string Target, LocationInfo Location);

/// <summary>A source location as plain data (a <see cref="Location"/> holds its whole syntax tree).</summary>
public sealed record LocationInfo(string FilePath, TextSpan Span, LinePositionSpan LineSpan)
{
    /// <summary>The location of <paramref name="node"/>.</summary>
    public static LocationInfo From(SyntaxNode node) => From(node.GetLocation());

    /// <summary>Copies a source location.</summary>
    public static LocationInfo From(Location location) =>
        new(location.SourceTree?.FilePath ?? string.Empty, location.SourceSpan, location.GetLineSpan().Span);

    /// <summary>Back to a Roslyn location, for reporting.</summary>
    public Location ToLocation() => Location.Create(FilePath, Span, LineSpan);
}

/// <summary>A diagnostic to report, as plain data.</summary>
public sealed record DiagnosticInfo(DiagnosticDescriptor Descriptor, LocationInfo Location, EquatableArray<string> Arguments)
{
    /// <summary>Creates the diagnostic.</summary>
    public Diagnostic ToDiagnostic() =>
        Diagnostic.Create(Descriptor, Location.ToLocation(), Arguments.Cast<object?>().ToArray());
}
