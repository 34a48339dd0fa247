using DeepGen.Fusion;
using DeepGen.Fusion.Ir;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace DeepGen.Generators;

// DG0009 (a parameter that never reaches Forward's output, read from the lowered graph) and DG0010 (a
// sub-module field assigned outside a constructor).
internal sealed partial class ForwardLowerer
{
    /// <summary>
    /// The DG0009s of a model whose Forward lowered to <paramref name="graph"/>: each parameter tensor, and each
    /// layer or sub-model with parameters, none of whose parameters the output depends on. Members that
    /// another method of the class reads are left alone: they may be used there.
    /// </summary>
    private static List<DiagnosticInfo> UnreachedParameters(INamedTypeSymbol type, IMethodSymbol forward, IrGraph graph, CancellationToken cancellationToken)
    {
        HashSet<string> reached = ReachedStates(graph);
        HashSet<string> readElsewhere = NamesReadOutside(type, forward, cancellationToken);
        var found = new List<DiagnosticInfo>();
        foreach (IFieldSymbol field in type.GetMembers().OfType<IFieldSymbol>())
        {
            ISymbol member = field.AssociatedSymbol ?? field;
            if (field.IsStatic || field.IsConst || (field.IsImplicitlyDeclared && field.AssociatedSymbol is null) || readElsewhere.Contains(member.Name))
            {
                continue;
            }

            string state = RegisteredName(member.Name);
            string? what = IsTensor(field.Type)
                ? IsBuffer(member) || reached.Contains(state) ? null : $"the parameter '{member.Name}'"
                : IsModuleType(field.Type) && HasParameters(field.Type, 0) && !reached.Any(name => name.StartsWith(state + ".", StringComparison.Ordinal))
                    ? $"the {(IsDeepGenType(field.Type, field.Type.Name) ? "layer" : "sub-model")} '{member.Name}' ({field.Type.Name})"
                    : null;
            if (what is not null && member.Locations.FirstOrDefault(l => l.IsInSource) is { } location)
            {
                found.Add(new DiagnosticInfo(Descriptors.UnreachedParameter, LocationInfo.From(location), new[] { type.Name, what }.ToEquatableArray()));
            }
        }

        return found;
    }

    /// <summary>The state names of the parameters (not buffers) that the graph's outputs depend on.</summary>
    private static HashSet<string> ReachedStates(IrGraph graph)
    {
        var reached = new HashSet<string>(StringComparer.Ordinal);
        var live = new bool[graph.Nodes.Count];
        foreach (Value output in graph.Outputs)
        {
            live[output.Node] = true;
        }

        for (int id = graph.Nodes.Count - 1; id >= 0; id--)
        {
            if (!live[id])
            {
                continue;
            }

            IrNode node = graph.Nodes[id];
            if (node.Op == SourceOps.Parameter && node.Attrs.Text("name") is { } name)
            {
                reached.Add(name);
            }

            foreach (Value input in node.Inputs)
            {
                live[input.Node] = true;
            }
        }

        return reached;
    }

    /// <summary>The identifiers read in the class's members other than Forward, its constructors and member initializers.</summary>
    private static HashSet<string> NamesReadOutside(INamedTypeSymbol type, IMethodSymbol forward, CancellationToken cancellationToken)
    {
        var forwardSyntax = new HashSet<SyntaxNode>(forward.DeclaringSyntaxReferences.Select(r => r.GetSyntax(cancellationToken)));
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (SyntaxReference reference in type.DeclaringSyntaxReferences)
        {
            if (reference.GetSyntax(cancellationToken) is not TypeDeclarationSyntax declaration)
            {
                continue;
            }

            foreach (MemberDeclarationSyntax member in declaration.Members)
            {
                if (member is ConstructorDeclarationSyntax or FieldDeclarationSyntax or BaseTypeDeclarationSyntax || forwardSyntax.Contains(member) || IsAutoProperty(member))
                {
                    continue; // an auto-property's initializer is construction too
                }

                foreach (IdentifierNameSyntax name in member.DescendantNodes().OfType<IdentifierNameSyntax>())
                {
                    names.Add(name.Identifier.ValueText);
                }
            }
        }

        return names;
    }

    private static bool IsAutoProperty(MemberDeclarationSyntax member) =>
        member is PropertyDeclarationSyntax { ExpressionBody: null, AccessorList: { } accessors }
        && accessors.Accessors.All(a => a.Body is null && a.ExpressionBody is null);

    /// <summary>The DG0010s: assignments to a sub-module field or property of the model outside its constructors and initializers.</summary>
    private static List<DiagnosticInfo> ReassignedSubModules(INamedTypeSymbol type, Compilation compilation, CancellationToken cancellationToken)
    {
        var moduleMembers = new HashSet<string>(
            type.GetMembers().Where(m => !m.IsStatic && m is IFieldSymbol { IsImplicitlyDeclared: false } or IPropertySymbol && IsModuleType(TypeOfMember(m))).Select(m => m.Name),
            StringComparer.Ordinal);
        var found = new List<DiagnosticInfo>();
        if (moduleMembers.Count == 0)
        {
            return found;
        }

        foreach (SyntaxReference reference in type.DeclaringSyntaxReferences)
        {
            if (reference.GetSyntax(cancellationToken) is not TypeDeclarationSyntax declaration)
            {
                continue;
            }

            foreach (MemberDeclarationSyntax member in declaration.Members)
            {
                if (member is ConstructorDeclarationSyntax or FieldDeclarationSyntax or BaseTypeDeclarationSyntax)
                {
                    continue;
                }

                foreach (AssignmentExpressionSyntax assignment in member.DescendantNodes().OfType<AssignmentExpressionSyntax>())
                {
                    SimpleNameSyntax? name = assignment.Left switch
                    {
                        IdentifierNameSyntax identifier => identifier,
                        MemberAccessExpressionSyntax { Expression: ThisExpressionSyntax, Name: var accessed } => accessed,
                        _ => null,
                    };
                    if (name is null || !moduleMembers.Contains(name.Identifier.ValueText))
                    {
                        continue;
                    }

#pragma warning disable RS1030 // the class's other parts may live in other trees
                    ISymbol? target = compilation.GetSemanticModel(assignment.SyntaxTree).GetSymbolInfo(assignment.Left, cancellationToken).Symbol;
#pragma warning restore RS1030
                    if (target is IFieldSymbol or IPropertySymbol && !target.IsStatic && IsMemberOf(target, type))
                    {
                        found.Add(new DiagnosticInfo(Descriptors.SubModuleReassigned, LocationInfo.From(assignment), new[] { type.Name, target.Name }.ToEquatableArray()));
                    }
                }
            }
        }

        return found;
    }
}
