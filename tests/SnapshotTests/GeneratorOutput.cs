using System.Globalization;
using System.Text;
using DeepGen.Generators;
using DeepGen.Testing;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace DeepGen.SnapshotTests;

/// <summary>Runs the DeepGen generator on sources and renders what it produced as stable text.</summary>
internal static class GeneratorOutput
{
    /// <summary>
    /// The generator's diagnostics (each with its source line and a caret underline), its generated
    /// sources, and the compiler's warnings and errors on <paramref name="sources"/> plus the generated
    /// sources, compiled against DeepGen.Runtime.
    /// </summary>
    public static string Render(params (string Path, string Text)[] sources)
    {
        CSharpCompilation compilation = TestInputs.Compilation(sources);
        GeneratorDriver driver = CSharpGeneratorDriver.Create([new ModelGenerator().AsSourceGenerator()], parseOptions: TestInputs.ParseOptions);
        GeneratorRunResult result = driver.RunGenerators(compilation).GetRunResult().Results.Single();
        if (result.Exception is not null)
        {
            throw new InvalidOperationException("The generator threw.", result.Exception);
        }

        var text = new StringBuilder();
        IEnumerable<Diagnostic> diagnostics = result.Diagnostics
            .OrderBy(d => d.Location.GetLineSpan().Path, StringComparer.Ordinal)
            .ThenBy(d => d.Location.SourceSpan.Start);
        text.Append(CultureInfo.InvariantCulture, $"// Diagnostics: {result.Diagnostics.Length}\n");
        foreach (Diagnostic diagnostic in diagnostics)
        {
            text.Append('\n').Append(Describe(diagnostic, compilation));
        }

        text.Append(CultureInfo.InvariantCulture, $"\n// Generated sources: {result.GeneratedSources.Length}\n");
        foreach (GeneratedSourceResult source in result.GeneratedSources.OrderBy(s => s.HintName, StringComparer.Ordinal))
        {
            text.Append(CultureInfo.InvariantCulture, $"\n// ---- {source.HintName} ----\n").Append(source.SourceText);
        }

        Compilation output = compilation.AddSyntaxTrees(result.GeneratedSources.Select(s => s.SyntaxTree));
        List<Diagnostic> compiler = output.GetDiagnostics()
            .Where(d => d.Severity >= DiagnosticSeverity.Warning)
            .OrderBy(d => d.Location.GetLineSpan().Path, StringComparer.Ordinal)
            .ThenBy(d => d.Location.SourceSpan.Start)
            .ToList();
        text.Append(CultureInfo.InvariantCulture, $"\n// Compiler warnings and errors with the generated sources: {compiler.Count}\n");
        foreach (Diagnostic diagnostic in compiler)
        {
            text.Append('\n').Append(Describe(diagnostic, output));
        }

        return text.ToString();
    }

    internal static string Describe(Diagnostic diagnostic, Compilation compilation)
    {
        FileLinePositionSpan span = diagnostic.Location.GetLineSpan();
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture,
            $"{span.Path}({span.StartLinePosition.Line + 1},{span.StartLinePosition.Character + 1})-({span.EndLinePosition.Line + 1},{span.EndLinePosition.Character + 1}): ");
        text.Append(CultureInfo.InvariantCulture,
            $"{diagnostic.Severity.ToString().ToLowerInvariant()} {diagnostic.Id}: {diagnostic.GetMessage(CultureInfo.InvariantCulture)}\n");

        // Generator diagnostics carry a file path and span, not a tree (see LocationInfo): find the tree by path.
        SyntaxTree? tree = compilation.SyntaxTrees.FirstOrDefault(t => t.FilePath == span.Path);
        if (tree is not null && span.StartLinePosition.Line == span.EndLinePosition.Line)
        {
            string line = tree.GetText().Lines[span.StartLinePosition.Line].ToString();
            int start = span.StartLinePosition.Character;
            int length = Math.Max(1, span.EndLinePosition.Character - start);
            text.Append("    ").Append(line.TrimEnd()).Append('\n');
            text.Append("    ").Append(' ', start).Append('^', length).Append('\n');
        }

        return text.ToString();
    }
}
