using System.Collections;
using System.Reflection;
using DeepGen.Generators;
using DeepGen.Testing;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;
using Xunit;

namespace DeepGen.Analyzers.Tests;

public class GeneratorIncrementalityTests
{
    private const string ModelSource = """
        using DeepGen;

        namespace Sample;

        [Model]
        public partial class Classifier : Module
        {
            readonly Tensor weight = Tensor.Zeros(10);
            readonly int classes = 10;

            public Tensor Forward([Shape("B, 1, 28/2")] Tensor x) => weight * classes;
        }
        """;

    private const string OtherSource = """
        namespace Sample;

        public static class Helpers
        {
            public static int Twice(int x) => 2 * x;
        }
        """;

    private static readonly string[] TrackedSteps =
        [TrackingNames.Models, TrackingNames.Diagnostics, TrackingNames.ProjectDirectory, TrackingNames.Registration];

    [Fact]
    public void An_unrelated_edit_reuses_every_step()
    {
        (GeneratorDriver driver, CSharpCompilation compilation) = RunOnce();

        CSharpCompilation edited = ReplaceText(compilation, "Other.cs", OtherSource.Replace("2 * x", "x + x", StringComparison.Ordinal));
        GeneratorRunResult second = driver.RunGenerators(edited).GetRunResult().Results.Single();

        // The transform re-runs on a new compilation but produces an equal spec (Unchanged);
        // everything downstream of it, the emit included, is then served from the cache.
        AssertReasons(second, TrackingNames.Models, IncrementalStepRunReason.Unchanged, IncrementalStepRunReason.Cached);
        AssertReasons(second, TrackingNames.Diagnostics, IncrementalStepRunReason.Cached);
        AssertReasons(second, TrackingNames.Registration, IncrementalStepRunReason.Cached);
        AssertAllOutputsCached(second);

        // The cached diagnostic is still reported and the cached source still added.
        Assert.Equal("DG0002", Assert.Single(second.Diagnostics).Id);
        Assert.Equal("Sample.Classifier.g.cs", Assert.Single(second.GeneratedSources).HintName);
    }

    [Fact]
    public void Editing_a_shape_reruns_the_check_but_not_the_emit()
    {
        // The control for the test above: a relevant edit is seen. The registration does not depend on
        // shapes, so its spec comes out equal and the source is not written again.
        (GeneratorDriver driver, CSharpCompilation compilation) = RunOnce();

        CSharpCompilation edited = ReplaceText(compilation, "Model.cs", ModelSource.Replace("28/2", "14", StringComparison.Ordinal));
        GeneratorRunResult second = driver.RunGenerators(edited).GetRunResult().Results.Single();

        AssertReasons(second, TrackingNames.Models, IncrementalStepRunReason.Modified);
        AssertReasons(second, TrackingNames.Diagnostics, IncrementalStepRunReason.Modified);
        AssertReasons(second, TrackingNames.Registration, IncrementalStepRunReason.Unchanged);
        AssertEmitCached(second);
        Assert.Empty(second.Diagnostics);
        // with a valid shape, Forward now lowers and gets its compiled file beside the registration
        Assert.Equal(["Sample.Classifier.Forward.g.cs", "Sample.Classifier.g.cs"], second.GeneratedSources.Select(s => s.HintName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Moving_the_model_down_the_file_does_not_rerun_the_emit()
    {
        // Locations shift (the diagnostics are recomputed), the registration spec has none.
        (GeneratorDriver driver, CSharpCompilation compilation) = RunOnce();

        CSharpCompilation edited = ReplaceText(compilation, "Model.cs", ModelSource.Replace("[Model]", "// a comment\n\n[Model]", StringComparison.Ordinal));
        GeneratorRunResult second = driver.RunGenerators(edited).GetRunResult().Results.Single();

        AssertReasons(second, TrackingNames.Models, IncrementalStepRunReason.Modified);
        AssertReasons(second, TrackingNames.Diagnostics, IncrementalStepRunReason.Modified);
        AssertReasons(second, TrackingNames.Registration, IncrementalStepRunReason.Unchanged);
        AssertEmitCached(second);
        Assert.Equal(12, Assert.Single(second.Diagnostics).Location.GetLineSpan().StartLinePosition.Line); // was 10 (0-based)
    }

    [Fact]
    public void Adding_a_parameter_reruns_the_emit()
    {
        (GeneratorDriver driver, CSharpCompilation compilation) = RunOnce();

        CSharpCompilation edited = ReplaceText(
            compilation, "Model.cs", ModelSource.Replace("readonly int classes", "readonly Tensor bias = Tensor.Zeros(10);\n    readonly int classes", StringComparison.Ordinal));
        GeneratorRunResult second = driver.RunGenerators(edited).GetRunResult().Results.Single();

        AssertReasons(second, TrackingNames.Registration, IncrementalStepRunReason.Modified);
        Assert.Contains(
            second.TrackedOutputSteps.SelectMany(step => step.Value).Where(EmitsRegistration).SelectMany(run => run.Outputs),
            output => output.Reason == IncrementalStepRunReason.Modified);
        Assert.Contains("visitor.Parameter(\"bias\", this.bias);", Assert.Single(second.GeneratedSources).SourceText.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Step_outputs_hold_no_Roslyn_objects()
    {
        // Symbols, syntax, compilations and locations in a step's output would defeat caching and keep
        // old compilations alive: the specs must be plain data.
        (GeneratorDriver driver, _) = RunOnce();
        GeneratorRunResult result = driver.GetRunResult().Results.Single();

        foreach (string step in TrackedSteps)
        {
            foreach (IncrementalGeneratorRunStep run in result.TrackedSteps[step])
            {
                foreach ((object value, _) in run.Outputs)
                {
                    AssertPlainData(value, $"{step} output");
                }
            }
        }
    }

    private static (GeneratorDriver Driver, CSharpCompilation Compilation) RunOnce()
    {
        CSharpCompilation compilation = TestInputs.Compilation(("Model.cs", ModelSource), ("Other.cs", OtherSource));

        GeneratorDriver driver = CSharpGeneratorDriver.Create(
            [new ModelGenerator().AsSourceGenerator()],
            parseOptions: TestInputs.ParseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));
        driver = driver.RunGenerators(compilation);

        GeneratorRunResult first = driver.GetRunResult().Results.Single();
        Assert.Null(first.Exception);
        Assert.Equal("DG0002", Assert.Single(first.Diagnostics).Id);
        AssertReasons(first, TrackingNames.Models, IncrementalStepRunReason.New);
        AssertReasons(first, TrackingNames.Registration, IncrementalStepRunReason.New);

        // The model compiles with its generated VisitMembers (the abstract member is implemented).
        var output = (CSharpCompilation)compilation.AddSyntaxTrees(first.GeneratedSources.Select(s => s.SyntaxTree));
        Assert.Empty(output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
        return (driver, compilation);
    }

    private static CSharpCompilation ReplaceText(CSharpCompilation compilation, string path, string text)
    {
        SyntaxTree old = compilation.SyntaxTrees.Single(tree => tree.FilePath == path);
        return compilation.ReplaceSyntaxTree(old, old.WithChangedText(SourceText.From(text)));
    }

    private static void AssertAllOutputsCached(GeneratorRunResult result) =>
        Assert.All(
            result.TrackedOutputSteps.SelectMany(step => step.Value).SelectMany(run => run.Outputs),
            output => Assert.Equal(IncrementalStepRunReason.Cached, output.Reason));

    /// <summary>The source output that writes the registration (its input is the Registration step) did not run.</summary>
    private static void AssertEmitCached(GeneratorRunResult result)
    {
        var emits = result.TrackedOutputSteps.SelectMany(step => step.Value).Where(EmitsRegistration).ToList();
        Assert.NotEmpty(emits);
        Assert.All(emits.SelectMany(run => run.Outputs), output => Assert.Equal(IncrementalStepRunReason.Cached, output.Reason));
    }

    private static bool EmitsRegistration(IncrementalGeneratorRunStep run) =>
        run.Inputs.Any(input => input.Source.Name == TrackingNames.Registration);

    private static void AssertReasons(GeneratorRunResult result, string step, params IncrementalStepRunReason[] allowed)
    {
        Assert.True(result.TrackedSteps.TryGetValue(step, out var runs), $"step '{step}' was not tracked");
        var outputs = runs.SelectMany(run => run.Outputs).ToList();
        Assert.NotEmpty(outputs);
        Assert.All(outputs, output => Assert.Contains(output.Reason, allowed));
    }

    internal static void AssertPlainData(object? value, string path)
    {
        switch (value)
        {
            case null or string or Enum:
            case var _ when value.GetType().IsPrimitive:
                return;
            case ISymbol or SyntaxNode or Compilation or SemanticModel or SyntaxTree or Location:
                Assert.Fail($"{path} is a {value.GetType().Name}");
                return;
            case TextSpan or Microsoft.CodeAnalysis.Text.LinePositionSpan or DiagnosticDescriptor:
                return; // immutable values that hold no tree or compilation
            case IEnumerable items:
                int i = 0;
                foreach (object? item in items)
                {
                    AssertPlainData(item, $"{path}[{i++}]");
                }

                return;
        }

        foreach (PropertyInfo property in value.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.GetIndexParameters().Length == 0 && property.Name != "EqualityContract")
            {
                AssertPlainData(property.GetValue(value), $"{path}.{property.Name}");
            }
        }
    }
}
