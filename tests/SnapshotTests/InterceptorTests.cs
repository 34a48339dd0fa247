using System.Reflection;
using System.Runtime.Loader;
using DeepGen.Compiled;
using DeepGen.Generators;
using DeepGen.Testing;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace DeepGen.SnapshotTests;

/// <summary>
/// model.Forward(x) on a compiled model, sent by generated interceptors to the compiled dispatch when the
/// project lists DeepGen.Interceptors in InterceptorsNamespaces; untouched otherwise.
/// </summary>
public class InterceptorTests
{
    private const string CallerSource = """
        using DeepGen;

        namespace Demo;

        public static class Caller
        {
            public static Tensor Predict(Mlp model, Tensor x) => model.Forward(x);

            public static Tensor Twice(Mlp model, Tensor x)
            {
                var first = model.Forward(x);
                return first + model.Forward(x);
            }

            // not a [Model]: left alone
            public static Tensor Layer(Linear layer, Tensor x) => layer.Forward(x);
        }
        """;

    private static readonly CSharpParseOptions OptedIn = TestInputs.ParseOptions.WithFeatures([new("InterceptorsNamespaces", "DeepGen.Interceptors")]);

    [Fact]
    public void Calls_to_a_compiled_models_Forward_are_intercepted_when_the_project_opts_in()
    {
        var (generated, compilation) = Run(OptedIn);

        Snapshot.Verify("Interceptors", generated ?? "(none)");
        Assembly assembly = Load(compilation);
        var model = (Module)Activator.CreateInstance(assembly.GetType("Demo.Mlp", throwOnError: true)!)!;
        var predict = assembly.GetType("Demo.Caller", throwOnError: true)!.GetMethod("Predict")!;
        var x = Tensor.Randn(3, 1, 28, 28);

        long before = CompiledDispatch.CompiledCalls;
        var intercepted = (Tensor)predict.Invoke(null, [model, x])!;
        Assert.Equal(before + 1, CompiledDispatch.CompiledCalls);

        var eager = (Tensor)model.GetType().GetMethod("Forward", [typeof(Tensor)])!.Invoke(model, [x])!;
        Assert.Equal(eager.ToArray<float>(), intercepted.ToArray<float>(), new FloatTolerance(1e-5f));
    }

    [Fact]
    public void Nothing_is_generated_without_the_opt_in()
    {
        var (generated, _) = Run(TestInputs.ParseOptions);
        Assert.Null(generated);
    }

    private static (string? Generated, Compilation Compilation) Run(CSharpParseOptions parseOptions)
    {
        CSharpCompilation compilation = CSharpCompilation.Create(
            TestInputs.AssemblyName + Guid.NewGuid().ToString("N"),
            [
                CSharpSyntaxTree.ParseText(CompiledModelTests.MlpSource, parseOptions, "Models.cs"),
                CSharpSyntaxTree.ParseText(CallerSource, parseOptions, "Caller.cs"),
            ],
            TestInputs.References,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        GeneratorDriver driver = CSharpGeneratorDriver.Create([new ModelGenerator().AsSourceGenerator()], parseOptions: parseOptions);
        driver = driver.RunGeneratorsAndUpdateCompilation(compilation, out Compilation withGenerated, out _);
        string? generated = driver.GetRunResult().Results.Single().GeneratedSources
            .SingleOrDefault(s => s.HintName == "DeepGen.Interceptors.g.cs").SourceText?.ToString();
        return (generated, withGenerated);
    }

    private static Assembly Load(Compilation compilation)
    {
        using var image = new MemoryStream();
        var result = compilation.Emit(image);
        var problems = result.Diagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning).ToList();
        Assert.True(result.Success && problems.Count == 0, string.Join("\n", problems));
        var context = new AssemblyLoadContext("interceptors" + Guid.NewGuid().ToString("N"), isCollectible: true);
        return context.LoadFromStream(new MemoryStream(image.ToArray()));
    }

    private sealed class FloatTolerance(float tolerance) : IEqualityComparer<float>
    {
        public bool Equals(float x, float y) => Math.Abs(x - y) <= tolerance * (1 + Math.Abs(y));

        public int GetHashCode(float value) => 0;
    }
}
