using System.Collections.Immutable;
using DeepGen.Generators;
using DeepGen.Testing;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Testing;

namespace DeepGen.Analyzers.Tests;

/// <summary>
/// A code-fix test for a diagnostic the generator reports (DG0008): <see cref="GeneratorDiagnosticsAnalyzer"/>
/// runs the real generator on the sources before and after the fix.
/// </summary>
internal sealed class GeneratorCodeFixTest<TCodeFix> : CSharpCodeFixTest<GeneratorDiagnosticsAnalyzer, TCodeFix, DefaultVerifier>
    where TCodeFix : CodeFixProvider, new()
{
    public GeneratorCodeFixTest(string source, string fixedSource)
    {
        ReferenceAssemblies = TestInputs.ReferenceAssemblies;
        TestState.AdditionalReferences.AddRange(TestInputs.References);
        TestState.Sources.Add(source);
        FixedState.Sources.Add(fixedSource);

        // Without the generator, the models lack their generated VisitMembers (CS0534). That the fixed form
        // compiles is checked by the corpus (Correct/NoGradArgmax.cs is this fix's output).
        CompilerDiagnostics = CompilerDiagnostics.None;

        // The relay reports from a compilation action (non-local), as the generator's diagnostics are.
        CodeFixTestBehaviors |= CodeFixTestBehaviors.SkipLocalDiagnosticCheck;
    }
}

/// <summary>
/// Test-only: the generator's diagnostics, reported again by an analyzer in their syntax trees. The
/// generator reports them at file-path locations (its cached steps hold no syntax trees), which the IDE maps
/// to the document but the testing library's code-fix runner does not.
/// Not marked [DiagnosticAnalyzer] (RS1001 suppressed): the tests create it; no compiler ever loads it.
/// </summary>
#pragma warning disable RS1001
internal sealed class GeneratorDiagnosticsAnalyzer : DiagnosticAnalyzer
#pragma warning restore RS1001
{
    // The same IDs, titles and severities; the message is the generator's, already formatted.
    private static readonly ImmutableDictionary<string, DiagnosticDescriptor> Relayed = typeof(Generators.Descriptors).GetFields()
        .Select(field => (DiagnosticDescriptor)field.GetValue(null)!)
        .ToImmutableDictionary(
            d => d.Id,
            d => new DiagnosticDescriptor(d.Id, d.Title, "{0}", d.Category, d.DefaultSeverity, d.IsEnabledByDefault, helpLinkUri: d.HelpLinkUri));

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = Relayed.Values.ToImmutableArray();

    public override void Initialize(AnalysisContext context)
    {
        context.EnableConcurrentExecution();
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.RegisterCompilationAction(compilation =>
        {
            GeneratorDriver driver = CSharpGeneratorDriver.Create(new ModelGenerator()).RunGenerators(compilation.Compilation, compilation.CancellationToken);
            foreach (Diagnostic diagnostic in driver.GetRunResult().Diagnostics)
            {
                if (!diagnostic.Descriptor.IsEnabledByDefault)
                {
                    continue; // DG0011: off unless enabled, as the compiler would filter it
                }

                SyntaxTree? tree = compilation.Compilation.SyntaxTrees.FirstOrDefault(t => t.FilePath == diagnostic.Location.GetLineSpan().Path);
                Location location = tree is null ? diagnostic.Location : Location.Create(tree, diagnostic.Location.SourceSpan);
                compilation.ReportDiagnostic(Diagnostic.Create(Relayed[diagnostic.Id], location, diagnostic.GetMessage()));
            }
        });
    }
}
