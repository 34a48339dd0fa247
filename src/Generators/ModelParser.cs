using System.Collections.Immutable;
using DeepGen.Fusion;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace DeepGen.Generators;

/// <summary>Turns a <c>[Model]</c> class symbol into a <see cref="ModelSpec"/>. The only place that reads Roslyn symbols.</summary>
internal static class ModelParser
{
    public const string ShapeAttributeName = "DeepGen.ShapeAttribute";
    public const string BufferAttributeName = "DeepGen.BufferAttribute";
    public const string VisitMembersName = "VisitMembers";

    public static ModelSpec Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        var type = (INamedTypeSymbol)context.TargetSymbol;
        var declaration = (ClassDeclarationSyntax)context.TargetNode;

        string ns = type.ContainingNamespace.IsGlobalNamespace ? string.Empty : type.ContainingNamespace.ToDisplayString();

        var containing = new List<TypeDeclSpec>();
        var hintParts = new List<string>();
        for (INamedTypeSymbol? outer = type.ContainingType; outer is not null; outer = outer.ContainingType)
        {
            containing.Insert(0, new TypeDeclSpec(Keyword(outer), outer.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat)));
            hintParts.Insert(0, outer.MetadataName);
        }

        // Metadata names (Wrapper`1) keep Wrapper and Wrapper<T> apart; nested types are joined with '.'
        // (a namespace and a type of the same name cannot both exist, so this is unique too).
        hintParts.Add(type.MetadataName);
        if (ns.Length > 0)
        {
            hintParts.Insert(0, ns);
        }

        var shapes = new List<ShapeAnnotationSpec>();
        foreach (IMethodSymbol forward in type.GetMembers("Forward").OfType<IMethodSymbol>())
        {
            cancellationToken.ThrowIfCancellationRequested();
            string owner = type.Name + ".Forward";
            foreach (IParameterSymbol parameter in forward.Parameters)
            {
                AddShapes(parameter.GetAttributes(), $"parameter '{parameter.Name}' of {owner}", shapes, cancellationToken);
            }

            AddShapes(forward.GetReturnTypeAttributes(), $"the return value of {owner}", shapes, cancellationToken);
        }

        return new ModelSpec(
            ns,
            type.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat),
            containing.ToEquatableArray(),
            Members(type).ToEquatableArray(),
            shapes.ToEquatableArray(),
            string.Join(".", hintParts) + ".g.cs",
            declaration.SyntaxTree.FilePath,
            LocationInfo.From(declaration.Identifier.GetLocation()),
            DerivesFromModule(type),
            Override(type, context.SemanticModel.Compilation.Assembly, cancellationToken),
            UserVisitMembers(type));
    }

    /// <summary>The instance fields and auto-properties (whose backing fields are implicit), in declaration order.</summary>
    private static List<FieldSpec> Members(INamedTypeSymbol type)
    {
        ImmutableArray<ISymbol> members = type.GetMembers();
        var backingFields = new Dictionary<IPropertySymbol, IFieldSymbol>(SymbolEqualityComparer.Default);
        foreach (ISymbol member in members)
        {
            if (member is IFieldSymbol { AssociatedSymbol: IPropertySymbol property } backing)
            {
                backingFields[property] = backing;
            }
        }

        var fields = new List<FieldSpec>();
        foreach (ISymbol member in members)
        {
            switch (member)
            {
                case IFieldSymbol { IsStatic: false, IsConst: false, IsImplicitlyDeclared: false } field:
                    fields.Add(Member(field, field.Type, field.GetAttributes()));
                    break;
                case IPropertySymbol { IsStatic: false, IsIndexer: false } property when backingFields.TryGetValue(property, out IFieldSymbol? backing):
                    // [Buffer] may sit on the property or, as [field: Buffer], on its backing field.
                    fields.Add(Member(property, property.Type, property.GetAttributes().AddRange(backing.GetAttributes())));
                    break;
            }
        }

        return fields;
    }

    private static FieldSpec Member(ISymbol member, ITypeSymbol type, ImmutableArray<AttributeData> attributes)
    {
        MemberKind kind = MemberKind.Other;
        bool persistent = true;
        if (IsDeepGenType(type, "Tensor"))
        {
            kind = MemberKind.Parameter;
            foreach (AttributeData attribute in attributes)
            {
                if (attribute.AttributeClass?.ToDisplayString() == BufferAttributeName)
                {
                    kind = MemberKind.Buffer;
                    foreach (KeyValuePair<string, TypedConstant> argument in attribute.NamedArguments)
                    {
                        if (argument.Key == "Persistent" && argument.Value.Value is bool value)
                        {
                            persistent = value;
                        }
                    }
                }
            }
        }
        else if (IsModuleType(type))
        {
            kind = MemberKind.Module;
        }

        // PyTorch's names have no C# field prefix: _conv1 is registered as conv1 (but '_' stays '_').
        string name = member.Name;
        string registered = RegisteredName(name);
        Location location = member.Locations.FirstOrDefault(l => l.IsInSource) ?? Location.None;
        return new FieldSpec(
            name,
            type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat),
            kind,
            registered,
            persistent,
            LocationInfo.From(location));
    }

    /// <summary>The name a member is registered under (its state-dict key): one leading underscore removed, but '_' stays '_'.</summary>
    internal static string RegisteredName(string name) => name.Length > 1 && name[0] == '_' ? name.Substring(1) : name;

    /// <summary>
    /// How the generated override must be declared: the nearest <c>VisitMembers</c> up the base chain
    /// decides whether there is a base implementation to call, and what accessibility an override needs.
    /// </summary>
    private static OverrideSpec Override(INamedTypeSymbol type, IAssemblySymbol assembly, CancellationToken cancellationToken)
    {
        bool generatedBase = false;
        for (INamedTypeSymbol? baseType = type.BaseType; baseType is not null; baseType = baseType.BaseType)
        {
            IMethodSymbol? declared = DeclaredVisitMembers(baseType);
            if (declared is not null)
            {
                return new OverrideSpec(OverrideAccessibility(declared, assembly), generatedBase || !declared.IsAbstract);
            }

            // A [Model] base in this compilation gets its override from this generator in the same run:
            // the symbols do not show it yet, but it will be there to call.
            generatedBase |= WillBeGenerated(baseType, cancellationToken);
        }

        return new OverrideSpec("protected", false); // not a Module: DG0004, nothing is emitted
    }

    /// <summary>
    /// C# lets an override of a <c>protected internal</c> method from another assembly say only
    /// <c>protected</c>, unless that assembly grants internals access (InternalsVisibleTo).
    /// </summary>
    private static string OverrideAccessibility(IMethodSymbol overridden, IAssemblySymbol assembly) => overridden.DeclaredAccessibility switch
    {
        Accessibility.ProtectedOrInternal =>
            SymbolEqualityComparer.Default.Equals(overridden.ContainingAssembly, assembly) || overridden.ContainingAssembly.GivesAccessTo(assembly)
                ? "protected internal"
                : "protected",
        Accessibility.Public => "public",
        Accessibility.Internal => "internal",
        Accessibility.ProtectedAndInternal => "private protected",
        _ => "protected",
    };

    private static bool WillBeGenerated(INamedTypeSymbol type, CancellationToken cancellationToken)
    {
        INamedTypeSymbol definition = type.OriginalDefinition;
        if (!ModelGenerator.IsModelClass(definition))
        {
            return false;
        }

        foreach (SyntaxReference reference in definition.DeclaringSyntaxReferences)
        {
            if (reference.GetSyntax(cancellationToken) is ClassDeclarationSyntax declaration && declaration.Modifiers.Any(SyntaxKind.PartialKeyword))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Where <paramref name="type"/> writes <c>VisitMembers(IModuleVisitor)</c> itself, else null.</summary>
    private static LocationInfo? UserVisitMembers(INamedTypeSymbol type)
    {
        IMethodSymbol? method = DeclaredVisitMembers(type);
        Location? location = method?.Locations.FirstOrDefault(l => l.IsInSource);
        return location is null ? null : LocationInfo.From(location);
    }

    /// <summary>The <c>VisitMembers(IModuleVisitor)</c> that <paramref name="type"/> declares (not inherits), if any.</summary>
    private static IMethodSymbol? DeclaredVisitMembers(INamedTypeSymbol type)
    {
        foreach (ISymbol member in type.GetMembers(VisitMembersName))
        {
            if (member is IMethodSymbol { TypeParameters.Length: 0, Parameters.Length: 1 } method
                && IsDeepGenType(method.Parameters[0].Type, "IModuleVisitor"))
            {
                return method;
            }
        }

        return null;
    }

    private static bool DerivesFromModule(INamedTypeSymbol type)
    {
        for (INamedTypeSymbol? baseType = type.BaseType; baseType is not null; baseType = baseType.BaseType)
        {
            if (IsDeepGenType(baseType, "Module"))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary><c>DeepGen.Module</c>, a class derived from it, or a type parameter constrained to one.</summary>
    private static bool IsModuleType(ITypeSymbol type)
    {
        if (type is ITypeParameterSymbol parameter)
        {
            return parameter.ConstraintTypes.Any(IsModuleType);
        }

        for (ITypeSymbol? t = type; t is not null; t = t.BaseType)
        {
            if (IsDeepGenType(t, "Module"))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>True for the top-level, non-generic type <c>DeepGen.{name}</c>.</summary>
    private static bool IsDeepGenType(ITypeSymbol type, string name) =>
        type is INamedTypeSymbol { Arity: 0, ContainingType: null } named
        && named.Name == name
        && named.ContainingNamespace is { Name: "DeepGen", ContainingNamespace.IsGlobalNamespace: true };

    private static void AddShapes(
        IEnumerable<AttributeData> attributes, string target, List<ShapeAnnotationSpec> shapes, CancellationToken cancellationToken)
    {
        foreach (AttributeData attribute in attributes)
        {
            // A constructor that did not bind (wrong arguments) is already a compiler error.
            if (attribute.AttributeClass?.ToDisplayString() != ShapeAttributeName
                || attribute.AttributeConstructor is null
                || attribute.ConstructorArguments.Length != 1
                || attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken) is not AttributeSyntax syntax)
            {
                continue;
            }

            SyntaxNode where = (SyntaxNode?)syntax.ArgumentList?.Arguments.FirstOrDefault()?.Expression ?? syntax;
            shapes.Add(new ShapeAnnotationSpec(attribute.ConstructorArguments[0].Value as string, target, LocationInfo.From(where)));
        }
    }

    private static string Keyword(INamedTypeSymbol type) => type switch
    {
        { IsRecord: true, IsValueType: true } => "record struct",
        { IsRecord: true } => "record",
        { TypeKind: TypeKind.Struct } => "struct",
        { TypeKind: TypeKind.Interface } => "interface",
        _ => "class",
    };
}
