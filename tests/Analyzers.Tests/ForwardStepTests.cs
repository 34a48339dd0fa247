using DeepGen.Fusion.Ir;
using DeepGen.Generators;
using DeepGen.Testing;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;
using Xunit;

namespace DeepGen.Analyzers.Tests;

/// <summary>The Forward step's value (what the forward emitter gets) and its caching.</summary>
public class ForwardStepTests
{
    private const string ModelSource = """
        using DeepGen;

        namespace Sample;

        [Model]
        public partial class Mlp : Module
        {
            readonly Linear fc1 = new(784, 256);
            readonly Linear fc2 = new(256, 10);

            // the hidden layer
            public Tensor Forward([Shape("B, 784")] Tensor x) => fc2.Forward(F.Relu(fc1.Forward(x)));
        }
        """;

    private const string OtherSource = """
        namespace Sample;

        public static class Helpers
        {
            public static int Twice(int x) => 2 * x;
        }
        """;

    [Fact]
    public void The_step_holds_the_graph_and_what_the_emitter_needs()
    {
        (GeneratorDriver driver, _) = RunOnce();
        ForwardModel model = Assert.Single(Models(driver.GetRunResult().Results.Single()));

        Assert.Equal(("Sample", "Mlp", "Sample.Mlp.Forward.g.cs"), (model.Namespace, model.ClassName, model.HintName));
        Assert.Equal(["x"], model.InputNames);
        Assert.Equal(
            ["fc1.weight <- fc1.Weight", "fc1.bias <- fc1.Bias", "fc2.weight <- fc2.Weight", "fc2.bias <- fc2.Bias"],
            model.Parameters.Select(p => $"{p.StateName} <- {p.Access}"));
        Assert.Equal(["input", "parameter", "parameter", "linear", "relu", "parameter", "parameter", "linear"], model.Graph.Nodes.Select(n => n.Op));
        Assert.Equal("f32[B, 10]", model.Graph.TypeOf(Assert.Single(model.Graph.Outputs)).ToString());
        Assert.All(model.Graph.Nodes, node => Assert.Null(node.Source)); // no locations feed the emit
        Assert.Equal("fc1.Forward(x)", model.NodeText[3]);
    }

    [Fact]
    public void The_lowering_keeps_a_source_span_on_every_op()
    {
        (GeneratorDriver driver, _) = RunOnce();
        ForwardLowering lowering = Assert.Single(Lowerings(driver.GetRunResult().Results.Single()));
        IrGraph graph = lowering.Model!.Graph;

        foreach (IrNode node in graph.Nodes.Where(n => n.Op is not ("parameter" or "buffer" or "constant")))
        {
            Assert.NotNull(node.Source);
            Assert.Equal("Model.cs", node.Source!.FilePath);
        }

        SourceSpan relu = graph.Nodes.Single(n => n.Op == "relu").Source!;
        Assert.Equal("F.Relu(fc1.Forward(x))", ModelSource.Replace("\r\n", "\n", StringComparison.Ordinal).Substring(relu.Start, relu.Length));
        Assert.Equal((11, 69), (relu.Line, relu.Column)); // 0-based
    }

    [Fact]
    public void Editing_a_comment_or_an_unrelated_class_leaves_the_forward_step_and_its_output_cached()
    {
        (GeneratorDriver driver, CSharpCompilation compilation) = RunOnce();

        // An unrelated class: the lowering re-runs on the new compilation and comes out equal.
        CSharpCompilation unrelated = ReplaceText(compilation, "Other.cs", OtherSource.Replace("2 * x", "x + x", StringComparison.Ordinal));
        GeneratorRunResult second = driver.RunGenerators(unrelated).GetRunResult().Results.Single();
        AssertReasons(second, TrackingNames.ForwardLowering, IncrementalStepRunReason.Unchanged, IncrementalStepRunReason.Cached);
        AssertReasons(second, TrackingNames.Forward, IncrementalStepRunReason.Cached);
        AssertForwardOutputCached(second);

        // A longer comment above Forward: every span moves, so the lowering is Modified; the Forward step strips
        // them and comes out equal, so the output that reads it is not run again.
        CSharpCompilation commented = ReplaceText(compilation, "Model.cs", ModelSource.Replace("// the hidden layer", "// the hidden layer, with 256 units\n    // and a ReLU", StringComparison.Ordinal));
        GeneratorRunResult third = driver.RunGenerators(commented).GetRunResult().Results.Single();
        AssertReasons(third, TrackingNames.ForwardLowering, IncrementalStepRunReason.Modified);
        AssertReasons(third, TrackingNames.Forward, IncrementalStepRunReason.Unchanged);
        AssertForwardOutputCached(third);
    }

    [Fact]
    public void A_split_forward_holds_plain_data_and_a_comment_above_it_leaves_its_output_cached()
    {
        const string gate = """
            using DeepGen;

            namespace Sample;

            [Model]
            public partial class Gate : Module
            {
                readonly Linear fc = new(16, 16), head = new(16, 4);

                // the gate
                public Tensor Forward([Shape("B, 16")] Tensor x)
                {
                    var h = fc.Forward(x);
                    if (h.Sum().Item<float>() > 0)
                    {
                        h = F.Relu(h);
                    }

                    return head.Forward(h);
                }
            }
            """;
        CSharpCompilation compilation = TestInputs.Compilation(("Model.cs", gate), ("Other.cs", OtherSource));
        GeneratorDriver driver = Driver().RunGenerators(compilation);
        GeneratorRunResult first = driver.GetRunResult().Results.Single();
        Assert.Null(first.Exception);
        ForwardModel model = Assert.Single(Models(first));
        Assert.Equal(3, model.Parts.Count); // region, eager if, region
        foreach (string step in new[] { TrackingNames.ForwardLowering, TrackingNames.Forward })
        {
            foreach ((object value, _) in first.TrackedSteps[step].SelectMany(run => run.Outputs))
            {
                GeneratorIncrementalityTests.AssertPlainData(value, $"{step} output");
            }
        }

        // every line moves (the DG0006 with it), but the emitter's input stays equal
        CSharpCompilation commented = ReplaceText(compilation, "Model.cs", gate.Replace("// the gate", "// the gate,\n    // with a branch", StringComparison.Ordinal));
        GeneratorRunResult second = driver.RunGenerators(commented).GetRunResult().Results.Single();
        AssertReasons(second, TrackingNames.ForwardLowering, IncrementalStepRunReason.Modified);
        AssertReasons(second, TrackingNames.Forward, IncrementalStepRunReason.Unchanged);
        AssertForwardOutputCached(second);
    }

    [Fact]
    public void Editing_Forward_reruns_the_forward_step()
    {
        (GeneratorDriver driver, CSharpCompilation compilation) = RunOnce();

        CSharpCompilation edited = ReplaceText(compilation, "Model.cs", ModelSource.Replace("F.Relu", "F.Gelu", StringComparison.Ordinal));
        GeneratorRunResult second = driver.RunGenerators(edited).GetRunResult().Results.Single();

        AssertReasons(second, TrackingNames.Forward, IncrementalStepRunReason.Modified);
        Assert.Contains(Assert.Single(Models(second)).Graph.Nodes, n => n.Op == "gelu");
    }

    [Fact]
    public void Forward_step_outputs_hold_no_Roslyn_objects()
    {
        (GeneratorDriver driver, _) = RunOnce();
        GeneratorRunResult result = driver.GetRunResult().Results.Single();
        foreach (string step in new[] { TrackingNames.ForwardLowering, TrackingNames.ForwardDiagnostics, TrackingNames.Forward })
        {
            foreach ((object value, _) in result.TrackedSteps[step].SelectMany(run => run.Outputs))
            {
                GeneratorIncrementalityTests.AssertPlainData(value, $"{step} output");
            }
        }
    }

    [Fact]
    public void A_model_with_constant_branches_and_loops_lowers()
    {
        // The near-miss model of ForwardDiagnosticTests: silent there, and compiled here.
        const string source = """
            using DeepGen;

            namespace Sample;

            [Model]
            public partial class Quiet : Module
            {
                const int Layers = 3;
                readonly Linear fc = new(16, 16);

                public Tensor Forward([Shape("B, 16")] Tensor x)
                {
                    for (int i = 0; i < Layers; i++)
                    {
                        if (i % 2 == 0)
                        {
                            x = fc.Forward(x);
                        }
                    }

                    return Tensor.Where(x.Sum().Gt(0), F.Relu(x), x).Reshape(x.Size(0), 4, -1);
                }
            }
            """;
        GeneratorDriver driver = Driver().RunGenerators(TestInputs.Compilation(("Quiet.cs", source)));
        IrGraph graph = Assert.Single(Models(driver.GetRunResult().Results.Single())).Graph;

        Assert.Equal(2, graph.Nodes.Count(n => n.Op == "linear")); // i = 0 and i = 2
        Assert.Equal(2, graph.Nodes.Count(n => n.Op == "parameter")); // fc's weight and bias, read once
        Assert.Equal("f32[B, 4, 4]", graph.TypeOf(Assert.Single(graph.Outputs)).ToString());
    }

    [Fact]
    public void Fused_attention_lowers_to_its_op_and_a_mask_tensor_breaks()
    {
        const string source = """
            using DeepGen;

            namespace Sample;

            [Model]
            public partial class Causal : Module
            {
                public Tensor Forward([Shape("B, 4, T, 16")] Tensor q, [Shape("B, 4, T, 16")] Tensor k, [Shape("B, 4, T, 16")] Tensor v) =>
                    F.ScaledDotProductAttention(q, k, v, isCausal: true, scale: 0.125);
            }

            [Model]
            public partial class Masked : Module
            {
                public Tensor Forward([Shape("B, T, 16")] Tensor q, [Shape("T, T")] Tensor mask) =>
                    F.ScaledDotProductAttention(q, q, q, attnMask: mask);
            }
            """;
        GeneratorRunResult result = Driver().RunGenerators(TestInputs.Compilation(("Attention.cs", source))).GetRunResult().Results.Single();

        IrNode attention = Assert.Single(Models(result)).Graph.Nodes.Single(n => n.Op == "scaled_dot_product_attention");
        Assert.Equal("is_causal=true, scale=0.125", attention.Attrs.ToString());
        Assert.Equal("f32[B, 4, T, 16]", attention.Type.ToString());
        Diagnostic graphBreak = Assert.Single(result.Diagnostics);
        Assert.Equal(
            "Forward of 'Masked' runs eagerly: `F.ScaledDotProductAttention` with a mask tensor at line 16 has no compiled form yet (isCausal: true does)",
            graphBreak.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void A_static_tensor_is_a_graph_break_not_a_parameter()
    {
        // A static tensor is not part of the module's state, so it must not become a parameter node.
        const string source = """
            using DeepGen;

            namespace Sample;

            [Model]
            public partial class Shifted : Module
            {
                static readonly Tensor Offset = Tensor.Ones(4);

                public Tensor Forward([Shape("B, 4")] Tensor x) => x + Offset;
            }
            """;
        GeneratorRunResult result = Driver().RunGenerators(TestInputs.Compilation(("Shifted.cs", source))).GetRunResult().Results.Single();

        Assert.Null(result.Exception);
        Assert.Empty(Models(result));
        Assert.Equal(
            "Forward of 'Shifted' runs eagerly: the static tensor 'Offset' at line 10 is not a parameter or buffer of the model; static tensors are not compiled yet",
            Assert.Single(result.Diagnostics).GetMessage(System.Globalization.CultureInfo.InvariantCulture));
    }

    private static (GeneratorDriver Driver, CSharpCompilation Compilation) RunOnce()
    {
        CSharpCompilation compilation = TestInputs.Compilation(("Model.cs", ModelSource), ("Other.cs", OtherSource));
        GeneratorDriver driver = Driver().RunGenerators(compilation);
        GeneratorRunResult first = driver.GetRunResult().Results.Single();
        Assert.Null(first.Exception);
        Assert.Empty(first.Diagnostics);
        AssertReasons(first, TrackingNames.Forward, IncrementalStepRunReason.New);
        return (driver, compilation);
    }

    private static GeneratorDriver Driver() => CSharpGeneratorDriver.Create(
        [new ModelGenerator().AsSourceGenerator()],
        parseOptions: TestInputs.ParseOptions,
        driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

    private static IEnumerable<ForwardModel> Models(GeneratorRunResult result) =>
        result.TrackedSteps[TrackingNames.Forward].SelectMany(run => run.Outputs).Select(o => o.Value).OfType<ForwardModel>();

    private static IEnumerable<ForwardLowering> Lowerings(GeneratorRunResult result) =>
        result.TrackedSteps[TrackingNames.ForwardLowering].SelectMany(run => run.Outputs).Select(o => o.Value).OfType<ForwardLowering>();

    private static CSharpCompilation ReplaceText(CSharpCompilation compilation, string path, string text)
    {
        SyntaxTree old = compilation.SyntaxTrees.Single(tree => tree.FilePath == path);
        return compilation.ReplaceSyntaxTree(old, old.WithChangedText(SourceText.From(text)));
    }

    /// <summary>The source output that reads the Forward step (where the forward emitter plugs in) did not run.</summary>
    private static void AssertForwardOutputCached(GeneratorRunResult result)
    {
        var outputs = result.TrackedOutputSteps.SelectMany(step => step.Value)
            .Where(run => run.Inputs.Any(input => input.Source.Name == TrackingNames.Forward))
            .ToList();
        Assert.NotEmpty(outputs);
        Assert.All(outputs.SelectMany(run => run.Outputs), output => Assert.Equal(IncrementalStepRunReason.Cached, output.Reason));
    }

    private static void AssertReasons(GeneratorRunResult result, string step, params IncrementalStepRunReason[] allowed)
    {
        Assert.True(result.TrackedSteps.TryGetValue(step, out var runs), $"step '{step}' was not tracked");
        var outputs = runs.SelectMany(run => run.Outputs).ToList();
        Assert.NotEmpty(outputs);
        Assert.All(outputs, output => Assert.Contains(output.Reason, allowed));
    }
}
