using System.Reflection;
using System.Runtime.Loader;
using DeepGen.Generators;
using DeepGen.Testing;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace DeepGen.SnapshotTests;

/// <summary>
/// A model class compiled in memory with the DeepGen generator (registration, front-end, C# emitter) and
/// loaded, so tests can run its compiled path against its eager Forward.
/// </summary>
internal sealed class EmittedModel
{
    private EmittedModel(string generated, Assembly assembly, string typeName)
    {
        Generated = generated;
        Type = assembly.GetType(typeName, throwOnError: true)!;
    }

    /// <summary>The emitted source.</summary>
    public string Generated { get; }

    /// <summary>The compiled model class.</summary>
    public Type Type { get; }

    /// <summary>Runs the generator on <paramref name="modelSource"/> (class <paramref name="className"/> in namespace Demo), compiles its output and loads it.</summary>
    public static EmittedModel Build(string className, string modelSource)
    {
        CSharpCompilation compilation = TestInputs.Compilation(("Models.cs", modelSource))
            .WithOptions(new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable, optimizationLevel: OptimizationLevel.Release));
        GeneratorDriver driver = CSharpGeneratorDriver.Create([new ModelGenerator().AsSourceGenerator()], parseOptions: TestInputs.ParseOptions);
        driver = driver.RunGeneratorsAndUpdateCompilation(compilation, out Compilation withGenerated, out _);
        var sources = driver.GetRunResult().Results.Single().GeneratedSources;
        string generated = sources.SingleOrDefault(s => s.HintName == $"Demo.{className}.Forward.g.cs").SourceText?.ToString()
            ?? throw new InvalidOperationException($"No compiled Forward for {className} among the generated files ({string.Join(", ", sources.Select(s => s.HintName))}); the generator said: {string.Join("\n", driver.GetRunResult().Diagnostics)}");
        using var image = new MemoryStream();
        var result = withGenerated.Emit(image);
        var problems = result.Diagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning).ToList();
        if (!result.Success || problems.Count > 0)
        {
            throw new InvalidOperationException("The generated code does not compile cleanly:\n" + string.Join("\n", problems) + "\n\n" + generated);
        }

        var context = new AssemblyLoadContext(className + Guid.NewGuid().ToString("N"), isCollectible: true);
        Assembly assembly = context.LoadFromStream(new MemoryStream(image.ToArray()));
        return new EmittedModel(generated, assembly, "Demo." + className);
    }

    /// <summary>A new instance of the model.</summary>
    public Module Create() => (Module)Activator.CreateInstance(Type)!;

    /// <summary>The user's own (eager) Forward.</summary>
    public Tensor Eager(Module model, Tensor x) => (Tensor)Type.GetMethod("Forward", [typeof(Tensor)])!.Invoke(model, [x])!;

    /// <summary>The user's own Forward with several arguments.</summary>
    public Tensor Eager(Module model, params Tensor[] inputs) => (Tensor)Type.GetMethod("Forward", inputs.Select(_ => typeof(Tensor)).ToArray())!.Invoke(model, inputs)!;

    /// <summary>Calls a generated private method (<c>CompiledForward</c>, <c>CompiledBackward</c>) directly.</summary>
    public object Invoke(Module model, string method, params object[] arguments) =>
        Type.GetMethod(method, BindingFlags.Instance | BindingFlags.NonPublic)!.Invoke(model, arguments)!;

    /// <summary>The compiled dispatch (ITensorModule.Forward).</summary>
    public static Tensor Compiled(Module model, Tensor x) => ((ITensorModule)model).Forward(x);
}
