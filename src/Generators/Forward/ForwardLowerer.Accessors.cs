using Microsoft.CodeAnalysis;

namespace DeepGen.Generators;

/// <summary>
/// How the compiled code reaches the members of an inlined sub-model (<c>block.fc.Weight</c>, where <c>fc</c> is
/// private to the block's class): through <c>[UnsafeAccessor]</c> methods declared in the generated partial class,
/// one per member (no reflection, so trimming and NativeAOT keep working). The top-level model's own members are
/// named directly.
/// </summary>
internal sealed partial class ForwardLowerer
{
    // declarations of the accessors the access expressions use, by name
    private readonly SortedDictionary<string, string> accessors = new(StringComparer.Ordinal);

    private static readonly SymbolDisplayFormat TypeFormat =
        SymbolDisplayFormat.FullyQualifiedFormat.AddMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier);

    /// <summary>
    /// The C# expression, from <c>this</c>, for <paramref name="member"/> of the model of <paramref name="scope"/>;
    /// null when the compiled code cannot reach it (a member of a type it cannot name).
    /// </summary>
    private string? MemberAccess(ModelScope scope, ISymbol member)
    {
        if (!scope.IsInlined)
        {
            return scope.AccessPrefix + member.Name;
        }

        ITypeSymbol? type = member switch
        {
            IFieldSymbol field => field.Type,
            IPropertySymbol { GetMethod: not null } property => property.Type,
            _ => null,
        };
        if (type is null || member.IsStatic || !Nameable(type) || !Nameable(scope.Type))
        {
            return null;
        }

        string owner = scope.AccessPrefix.Substring(0, scope.AccessPrefix.Length - 1); // "block." -> "block"
        string name = "DeepGenAccess_" + Sanitize(scope.Type.ToDisplayString()) + "_" + member.Name;
        string ownerType = scope.Type.ToDisplayString(TypeFormat);
        string memberType = type.ToDisplayString(TypeFormat);
        accessors[name] = member is IFieldSymbol
            ? $"[global::System.Runtime.CompilerServices.UnsafeAccessor(global::System.Runtime.CompilerServices.UnsafeAccessorKind.Field, Name = \"{member.Name}\")] private static extern ref {memberType} {name}({ownerType} owner);"
            : $"[global::System.Runtime.CompilerServices.UnsafeAccessor(global::System.Runtime.CompilerServices.UnsafeAccessorKind.Method, Name = \"{((IPropertySymbol)member).GetMethod!.Name}\")] private static extern {memberType} {name}({ownerType} owner);";
        return $"{name}({owner})";
    }

    /// <summary>Whether generated code in another class of the compilation can name <paramref name="type"/>.</summary>
    private static bool Nameable(ITypeSymbol type)
    {
        for (ITypeSymbol? t = type; t is not null; t = t.ContainingType)
        {
            if (t.DeclaredAccessibility is Accessibility.Private or Accessibility.Protected or Accessibility.ProtectedAndInternal)
            {
                return false;
            }
        }

        return type is not INamedTypeSymbol named || named.TypeArguments.All(Nameable);
    }

    private static string Sanitize(string text) => new(text.Select(c => char.IsLetterOrDigit(c) ? c : '_').ToArray());
}
