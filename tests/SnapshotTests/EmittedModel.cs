using System.Reflection;
using System.Runtime.Loader;
using DeepGen.Fusion;
using DeepGen.Fusion.Emit.CSharp;
using DeepGen.Fusion.Ir;
using DeepGen.Generators;
using DeepGen.Testing;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace DeepGen.SnapshotTests;

/// <summary>
/// A model class (its eager source) together with the C# the emitter writes for its hand-built graph,
/// compiled in memory with the registration generator and loaded, so tests can run the compiled path
/// against the eager one before the front-end lowers models by itself.
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

    /// <summary>Emits <paramref name="graph"/> for the class <paramref name="className"/> of <paramref name="modelSource"/> (namespace Demo), compiles and loads both.</summary>
    public static EmittedModel Build(string className, string modelSource, IrGraph graph)
    {
        string generated = ModelEmitter.Emit(new CSharpModel("Demo", EquatableArray<string>.Empty, className, "Models.cs", ImplementsTensorModule: true, graph));
        CSharpCompilation compilation = TestInputs.Compilation(("Models.cs", modelSource), (className + ".Compiled.g.cs", generated))
            .WithOptions(new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable, optimizationLevel: OptimizationLevel.Release));
        GeneratorDriver driver = CSharpGeneratorDriver.Create([new ModelGenerator().AsSourceGenerator()], parseOptions: TestInputs.ParseOptions);
        driver.RunGeneratorsAndUpdateCompilation(compilation, out Compilation withRegistration, out _);
        using var image = new MemoryStream();
        var result = withRegistration.Emit(image);
        var problems = result.Diagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning).ToList();
        if (!result.Success || problems.Count > 0)
        {
            throw new InvalidOperationException("The emitted code does not compile cleanly:\n" + string.Join("\n", problems) + "\n\n" + generated);
        }

        var context = new AssemblyLoadContext(className + Guid.NewGuid().ToString("N"), isCollectible: true);
        Assembly assembly = context.LoadFromStream(new MemoryStream(image.ToArray()));
        return new EmittedModel(generated, assembly, "Demo." + className);
    }

    /// <summary>A new instance of the model.</summary>
    public Module Create() => (Module)Activator.CreateInstance(Type)!;

    /// <summary>The user's own (eager) Forward.</summary>
    public Tensor Eager(Module model, Tensor x) => (Tensor)Type.GetMethod("Forward", [typeof(Tensor)])!.Invoke(model, [x])!;

    /// <summary>The compiled dispatch (ITensorModule.Forward).</summary>
    public static Tensor Compiled(Module model, Tensor x) => ((ITensorModule)model).Forward(x);
}
