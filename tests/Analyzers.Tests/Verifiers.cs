using DeepGen.Analyzers.CodeFixes;
using DeepGen.Generators;
using DeepGen.Testing;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Testing;

namespace DeepGen.Analyzers.Tests;

/// <summary>Test harnesses set up with the real attributes and local net10.0 references (nothing is downloaded).</summary>
internal static class Verifiers
{
    public static CSharpAnalyzerTest<ModelMustBePartialAnalyzer, DefaultVerifier> Analyzer(string source) =>
        Configure(new CSharpAnalyzerTest<ModelMustBePartialAnalyzer, DefaultVerifier>(), source);

    public static CSharpCodeFixTest<ModelMustBePartialAnalyzer, MakePartialCodeFix, DefaultVerifier> CodeFix(string source, string fixedSource)
    {
        var test = Configure(new CSharpCodeFixTest<ModelMustBePartialAnalyzer, MakePartialCodeFix, DefaultVerifier>(), source);
        test.FixedState.Sources.Add(fixedSource);
        test.FixedState.Sources.Add((TestInputs.AttributesPath, TestInputs.AttributesSource));
        return test;
    }

    public static CSharpSourceGeneratorTest<ModelGenerator, DefaultVerifier> Generator(string source) =>
        Configure(new CSharpSourceGeneratorTest<ModelGenerator, DefaultVerifier>(), source);

    private static T Configure<T>(T test, string source)
        where T : AnalyzerTest<DefaultVerifier>
    {
        test.ReferenceAssemblies = TestInputs.ReferenceAssemblies;
        test.TestState.AdditionalReferences.AddRange(TestInputs.Net10References);
        test.TestState.Sources.Add(source);
        test.TestState.Sources.Add((TestInputs.AttributesPath, TestInputs.AttributesSource));
        return test;
    }
}
