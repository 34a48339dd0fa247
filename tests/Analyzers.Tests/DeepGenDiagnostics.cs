using System.Collections.Immutable;
using DeepGen.Generators;
using DeepGen.Testing;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

namespace DeepGen.Analyzers.Tests;

/// <summary>
/// Everything a build of a DeepGen project reports on some sources: the generator's diagnostics, then the
/// compiler's and every DeepGen analyzer's on the sources plus the generated code.
/// </summary>
internal static class DeepGenDiagnostics
{
    /// <summary>The analyzers of DeepGen.Analyzers (all of them, so that a new one is covered by the corpus).</summary>
    public static ImmutableArray<DiagnosticAnalyzer> Analyzers { get; } = typeof(ModelMustBePartialAnalyzer).Assembly.GetTypes()
        .Where(type => typeof(DiagnosticAnalyzer).IsAssignableFrom(type) && !type.IsAbstract)
        .Select(type => (DiagnosticAnalyzer)Activator.CreateInstance(type)!)
        .ToImmutableArray();

    public static async Task<ImmutableArray<Diagnostic>> OfAsync(params (string Path, string Text)[] sources)
    {
        CSharpCompilation compilation = TestInputs.Compilation(sources);
        GeneratorDriver driver = CSharpGeneratorDriver.Create([new ModelGenerator().AsSourceGenerator()], parseOptions: TestInputs.ParseOptions);
        driver.RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out ImmutableArray<Diagnostic> generatorDiagnostics);
        ImmutableArray<Diagnostic> rest = await output.WithAnalyzers(Analyzers).GetAllDiagnosticsAsync();
        return generatorDiagnostics.AddRange(rest);
    }
}
