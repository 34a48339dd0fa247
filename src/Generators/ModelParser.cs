using DeepGen.Fusion;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace DeepGen.Generators;

/// <summary>Turns a <c>[Model]</c> class symbol into a <see cref="ModelSpec"/>. The only place that reads Roslyn symbols.</summary>
internal static class ModelParser
{
    public const string ShapeAttributeName = "DeepGen.ShapeAttribute";

    public static ModelSpec Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        var type = (INamedTypeSymbol)context.TargetSymbol;

        string ns = type.ContainingNamespace.IsGlobalNamespace ? string.Empty : type.ContainingNamespace.ToDisplayString();

        var containing = new List<TypeDeclSpec>();
        for (INamedTypeSymbol? outer = type.ContainingType; outer is not null; outer = outer.ContainingType)
        {
            containing.Insert(0, new TypeDeclSpec(Keyword(outer), outer.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat)));
        }

        var fields = new List<FieldSpec>();
        foreach (ISymbol member in type.GetMembers())
        {
            if (member is IFieldSymbol { IsStatic: false, IsConst: false, IsImplicitlyDeclared: false } field)
            {
                fields.Add(new FieldSpec(field.Name, field.Type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat)));
            }
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
            fields.ToEquatableArray(),
            shapes.ToEquatableArray());
    }

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
