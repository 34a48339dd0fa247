using DeepGen.Fusion;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace DeepGen.Generators;

// Plain, equatable data that flows through the incremental pipeline. No ISymbol, SyntaxNode,
// Compilation or Location in here: those would defeat caching (and keep compilations alive).

/// <summary>What the generator knows about one <c>[Model]</c> class.</summary>
/// <param name="Namespace">The containing namespace, or "" for the global namespace.</param>
/// <param name="ClassName">The class name, with type parameters if any (e.g. <c>Classifier</c>, <c>Wrapper&lt;T&gt;</c>).</param>
/// <param name="ContainingTypes">Enclosing types, outermost first, for nested model classes.</param>
/// <param name="Fields">The instance fields and auto-properties, in declaration order.</param>
/// <param name="Shapes">The <c>[Shape]</c> annotations on <c>Forward</c>'s parameters and return value.</param>
/// <param name="HintName">The generated file's name, unique per type (<c>Sample.Outer.Wrapper`1.g.cs</c>).</param>
/// <param name="SourcePath">The path of the file that declares the <c>[Model]</c> attribute, as the compiler has it.</param>
/// <param name="NameLocation">The class name in that declaration (where DG0004 is reported).</param>
/// <param name="DerivesFromModule">True when the class derives, directly or not, from <c>DeepGen.Module</c>.</param>
/// <param name="Registration">How its <c>VisitMembers</c> override is declared.</param>
/// <param name="UserVisitMembers">Where the class declares <c>VisitMembers(IModuleVisitor)</c> itself (DG0003), else null.</param>
public sealed record ModelSpec(
    string Namespace,
    string ClassName,
    EquatableArray<TypeDeclSpec> ContainingTypes,
    EquatableArray<FieldSpec> Fields,
    EquatableArray<ShapeAnnotationSpec> Shapes,
    string HintName,
    string SourcePath,
    LocationInfo NameLocation,
    bool DerivesFromModule,
    OverrideSpec Registration,
    LocationInfo? UserVisitMembers);

/// <summary>An enclosing type declaration: its keyword (<c>class</c>, <c>struct</c>, <c>record</c>, ...) and name.</summary>
public sealed record TypeDeclSpec(string Keyword, string Name);

/// <summary>What a member of a model is to the module system.</summary>
public enum MemberKind
{
    /// <summary>Neither a tensor nor a module (an <c>int</c>, a list, ...): not registered.</summary>
    Other,

    /// <summary>A <c>Tensor</c>: a trainable parameter.</summary>
    Parameter,

    /// <summary>A <c>Tensor</c> marked <c>[Buffer]</c>: state that is not trained.</summary>
    Buffer,

    /// <summary>A <c>Module</c> (or a type parameter constrained to one): a sub-module.</summary>
    Module,
}

/// <summary>An instance field or auto-property of a model.</summary>
/// <param name="Name">The member's name as the symbol has it (no <c>@</c>).</param>
/// <param name="TypeFullName">Its type's fully qualified name (<c>global::DeepGen.Tensor</c>).</param>
/// <param name="Kind">What it is to the module system.</param>
/// <param name="RegisteredName">The name it is registered under: <paramref name="Name"/> with one leading underscore removed.</param>
/// <param name="Persistent">For a buffer, whether it belongs to the state dict; true otherwise.</param>
/// <param name="Location">The member's name in source (where DG0005 is reported).</param>
public sealed record FieldSpec(string Name, string TypeFullName, MemberKind Kind, string RegisteredName, bool Persistent, LocationInfo Location);

/// <summary>How the generated <c>VisitMembers</c> override is declared.</summary>
/// <param name="Accessibility"><c>protected</c>, or <c>protected internal</c> where the overridden method is visible as internal.</param>
/// <param name="CallsBase">True when a base class implements <c>VisitMembers</c> (its members come first); false when the nearest one is abstract.</param>
public sealed record OverrideSpec(string Accessibility, bool CallsBase);

/// <summary>Everything the emitter needs for one model's <c>VisitMembers</c>, and nothing else (no locations), so unrelated edits leave it equal.</summary>
/// <param name="Namespace">The containing namespace, or "".</param>
/// <param name="ClassName">The class name with type parameters.</param>
/// <param name="ContainingTypes">Enclosing types, outermost first.</param>
/// <param name="HintName">The generated file's name.</param>
/// <param name="SourceDisplayPath">The declaring file's path for the header, relative to the project when possible.</param>
/// <param name="Registration">How the override is declared.</param>
/// <param name="Members">The registered members, in order.</param>
public sealed record RegistrationSpec(
    string Namespace,
    string ClassName,
    EquatableArray<TypeDeclSpec> ContainingTypes,
    string HintName,
    string SourceDisplayPath,
    OverrideSpec Registration,
    EquatableArray<RegisteredMemberSpec> Members);

/// <summary>One <c>visitor.Parameter/Buffer/Module(...)</c> call.</summary>
/// <param name="Kind">Parameter, buffer or module (never <see cref="MemberKind.Other"/>).</param>
/// <param name="RegisteredName">The name passed to the visitor.</param>
/// <param name="MemberName">The member's name as the symbol has it.</param>
/// <param name="Persistent">For a buffer, its persistence.</param>
public sealed record RegisteredMemberSpec(MemberKind Kind, string RegisteredName, string MemberName, bool Persistent);

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
