using DeepGen.Analyzers.CodeFixes;
using DeepGen.Generators;
using DeepGen.Testing;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Testing;

namespace DeepGen.Analyzers.Tests;

/// <summary>Test harnesses set up with the real DeepGen.Runtime and local net10.0 references (nothing is downloaded).</summary>
internal static class Verifiers
{
    public static CSharpAnalyzerTest<ModelMustBePartialAnalyzer, DefaultVerifier> Analyzer(string source) =>
        Configure(new CSharpAnalyzerTest<ModelMustBePartialAnalyzer, DefaultVerifier>(), source);

    public static CSharpCodeFixTest<ModelMustBePartialAnalyzer, MakePartialCodeFix, DefaultVerifier> CodeFix(string source, string fixedSource)
    {
        var test = Configure(new CSharpCodeFixTest<ModelMustBePartialAnalyzer, MakePartialCodeFix, DefaultVerifier>(), source);
        test.FixedState.Sources.Add(fixedSource);
        return test;
    }

    /// <summary>
    /// The generator's diagnostics, and the compiler's on the sources plus the generated code. The
    /// generated text itself is checked by the snapshot tests, not here.
    /// </summary>
    public static CSharpSourceGeneratorTest<ModelGenerator, DefaultVerifier> Generator(string source)
    {
        var test = Configure(new CSharpSourceGeneratorTest<ModelGenerator, DefaultVerifier>(), source);
        test.TestBehaviors |= TestBehaviors.SkipGeneratedSourcesCheck;
        return test;
    }

    private static T Configure<T>(T test, string source)
        where T : AnalyzerTest<DefaultVerifier>
    {
        test.ReferenceAssemblies = TestInputs.ReferenceAssemblies;
        test.TestState.AdditionalReferences.AddRange(TestInputs.References);
        test.TestState.Sources.Add(source);
        return test;
    }
}
