using System.Collections.Immutable;
using System.Composition;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Formatting;
using static Microsoft.CodeAnalysis.CSharp.SyntaxFactory;

namespace DeepGen.Analyzers.CodeFixes;

/// <summary>
/// Fixes DG0008 (a gradient cut that reaches Forward's output) by stating that the cut is intended: the cut
/// expression is computed inside <c>using (Torch.NoGrad()) { ... }</c>, into the local it initialises or
/// into a new one. Offered where the cut is in a statement of a block, or in an expression-bodied method,
/// which first gets a block body (<c>{ return ...; }</c>).
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(ComputeUnderNoGradCodeFix))]
[Shared]
public sealed class ComputeUnderNoGradCodeFix : CodeFixProvider
{
    /// <summary>The code action's title.</summary>
    public const string Title = "Compute it inside using (Torch.NoGrad())";

    /// <summary>DG0008's ID; the diagnostic is reported by DeepGen.Generators, which this assembly does not reference.</summary>
    public const string GradientCutId = "DG0008";

    /// <inheritdoc />
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(GradientCutId);

    /// <inheritdoc />
    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    /// <inheritdoc />
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        SyntaxNode? root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        foreach (Diagnostic diagnostic in context.Diagnostics)
        {
            if (root?.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true) is not ExpressionSyntax found
                || found.AncestorsAndSelf().OfType<InvocationExpressionSyntax>().FirstOrDefault(n => n.Span == diagnostic.Location.SourceSpan) is not { } cut
                || (cut.FirstAncestorOrSelf<StatementSyntax>() is not { Parent: BlockSyntax } && ExpressionBodiedMethod(cut) is null))
            {
                continue;
            }

            context.RegisterCodeFix(
                CodeAction.Create(Title, token => Fix(context.Document, root, cut, token), equivalenceKey: nameof(ComputeUnderNoGradCodeFix)),
                diagnostic);
        }
    }

    private static async Task<Document> Fix(Document document, SyntaxNode root, InvocationExpressionSyntax cut, CancellationToken cancellationToken)
    {
        SemanticModel? model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
        if (model?.GetTypeInfo(cut, cancellationToken).Type is not { } type)
        {
            return document;
        }

        TypeSyntax typeName = ParseTypeName(type.ToMinimalDisplayString(model, cut.SpanStart));
        ExpressionSyntax noGrad = ParseExpression(TorchInScope(model, cut.SpanStart) ? "Torch.NoGrad()" : "DeepGen.Torch.NoGrad()");
        if (ExpressionBodiedMethod(cut) is { } method)
        {
            (root, cut) = WithBlockBody(root, method, cut);
        }

        StatementSyntax statement = cut.FirstAncestorOrSelf<StatementSyntax>()!;

        // A blank line after the using block, as after any block, unless it closes its own block.
        SyntaxTriviaList trailing = statement.GetTrailingTrivia();
        SyntaxTriviaList withBlankLine = trailing.Add(trailing.LastOrDefault(t => t.IsKind(SyntaxKind.EndOfLineTrivia)) is { RawKind: not 0 } newline ? newline : ElasticCarriageReturnLineFeed);
        SyntaxTriviaList blankLineAfter = statement.Parent is BlockSyntax { Statements: var siblings } && siblings.Last() == statement ? trailing : withBlankLine;
        StatementSyntax[] replacement;
        if (statement is LocalDeclarationStatementSyntax { Declaration.Variables: { Count: 1 } variables } declaration
            && variables[0] is { Initializer.Value: var value } variable
            && value == cut && declaration.UsingKeyword == default && !declaration.IsConst)
        {
            // Tensor choice = <cut>;  ->  Tensor choice; using (Torch.NoGrad()) { choice = <cut>; }
            string name = variable.Identifier.ValueText;
            replacement = [Declare(typeName, name).WithLeadingTrivia(statement.GetLeadingTrivia()), UsingNoGrad(noGrad, Assign(name, cut)).WithTrailingTrivia(blankLineAfter)];
        }
        else if (statement is ExpressionStatementSyntax { Expression: AssignmentExpressionSyntax { Right: var right } } && right == cut)
        {
            // choice = <cut>;  ->  using (Torch.NoGrad()) { choice = <cut>; }
            replacement = [UsingNoGrad(noGrad, statement.WithoutTrivia()).WithLeadingTrivia(statement.GetLeadingTrivia()).WithTrailingTrivia(blankLineAfter)];
        }
        else
        {
            // ... <cut> ...;  ->  T name; using (Torch.NoGrad()) { name = <cut>; } ... name ...;
            string name = FreeName(statement, BaseName(cut));
            SyntaxTrivia indentation = statement.GetLeadingTrivia().LastOrDefault(t => t.IsKind(SyntaxKind.WhitespaceTrivia));
            StatementSyntax rewritten = statement.ReplaceNode(cut, IdentifierName(name).WithTriviaFrom(cut));
            replacement =
            [
                Declare(typeName, name).WithLeadingTrivia(statement.GetLeadingTrivia()),
                UsingNoGrad(noGrad, Assign(name, cut)).WithTrailingTrivia(withBlankLine),
                rewritten.WithLeadingTrivia(indentation.RawKind == 0 ? TriviaList() : TriviaList(indentation)),
            ];
        }

        return document.WithSyntaxRoot(root.ReplaceNode(statement, replacement));
    }

    /// <summary>The method whose <c>=&gt; expression</c> holds <paramref name="cut"/> outside any statement, else null.</summary>
    private static MethodDeclarationSyntax? ExpressionBodiedMethod(InvocationExpressionSyntax cut) =>
        cut.FirstAncestorOrSelf<StatementSyntax>() is null && cut.FirstAncestorOrSelf<ArrowExpressionClauseSyntax>() is { Parent: MethodDeclarationSyntax method } ? method : null;

    /// <summary><c>T M(...) =&gt; e;</c> becomes <c>T M(...) { return e; }</c>, so that the cut can be hoisted before the return; returns the cut in the new tree.</summary>
    private static (SyntaxNode Root, InvocationExpressionSyntax Cut) WithBlockBody(SyntaxNode root, MethodDeclarationSyntax method, InvocationExpressionSyntax cut)
    {
        var marker = new SyntaxAnnotation();
        MethodDeclarationSyntax marked = method.ReplaceNode(cut, cut.WithAdditionalAnnotations(marker));
        BlockSyntax body = Block(ReturnStatement(marked.ExpressionBody!.Expression.WithoutTrivia())).WithAdditionalAnnotations(Formatter.Annotation);
        MethodDeclarationSyntax rewritten = marked
            .WithExpressionBody(null)
            .WithSemicolonToken(default)
            .WithParameterList(marked.ParameterList.WithTrailingTrivia(ElasticCarriageReturnLineFeed))
            .WithBody(body)
            .WithTrailingTrivia(marked.SemicolonToken.TrailingTrivia)
            .WithAdditionalAnnotations(Formatter.Annotation);
        SyntaxNode newRoot = root.ReplaceNode(method, rewritten);
        return (newRoot, newRoot.GetAnnotatedNodes(marker).OfType<InvocationExpressionSyntax>().Single());
    }

    /// <summary>True when <c>Torch</c> at <paramref name="position"/> is DeepGen's (a <c>using DeepGen;</c> or the namespace itself).</summary>
    private static bool TorchInScope(SemanticModel model, int position) =>
        model.LookupNamespacesAndTypes(position, name: "Torch").Any(symbol => symbol.ToDisplayString() == "DeepGen.Torch");

    private static LocalDeclarationStatementSyntax Declare(TypeSyntax type, string name) =>
        LocalDeclarationStatement(VariableDeclaration(type, SingletonSeparatedList(VariableDeclarator(name))))
            .WithAdditionalAnnotations(Formatter.Annotation);

    private static StatementSyntax Assign(string name, ExpressionSyntax cut) =>
        ExpressionStatement(AssignmentExpression(SyntaxKind.SimpleAssignmentExpression, IdentifierName(name), cut.WithoutTrivia()));

    private static UsingStatementSyntax UsingNoGrad(ExpressionSyntax noGrad, StatementSyntax body) =>
        UsingStatement(Block(body))
            .WithExpression(noGrad)
            .WithAdditionalAnnotations(Formatter.Annotation);

    /// <summary>A name for the new local from what the cut computes.</summary>
    private static string BaseName(InvocationExpressionSyntax cut) =>
        (cut.Expression as MemberAccessExpressionSyntax)?.Name.Identifier.ValueText switch
        {
            "Argmax" or "Argmin" => "indices",
            "Item" => "value",
            "Detach" => "detached",
            _ => "converted",
        };

    /// <summary><paramref name="name"/>, or <paramref name="name"/>2, 3, ... when the enclosing member already uses it.</summary>
    private static string FreeName(SyntaxNode statement, string name)
    {
        SyntaxNode scope = statement.FirstAncestorOrSelf<MemberDeclarationSyntax>() ?? statement;
        var taken = new HashSet<string>(scope.DescendantTokens().Where(t => t.IsKind(SyntaxKind.IdentifierToken)).Select(t => t.ValueText), StringComparer.Ordinal);
        string candidate = name;
        for (int i = 2; taken.Contains(candidate); i++)
        {
            candidate = name + i;
        }

        return candidate;
    }
}
