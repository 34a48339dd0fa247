using Microsoft.CodeAnalysis.Testing;
using Xunit;

namespace DeepGen.Analyzers.Tests;

/// <summary>DG0011, the inferred shapes shown as quick info: silent by default, at each tensor name once enabled.</summary>
public class ShapeQuickInfoTests
{
    /// <summary>What `dotnet_diagnostic.DG0011.severity = suggestion` in .editorconfig does in a build (the testing library's generator run reads only the compilation's options).</summary>
    private static void EnableQuickInfo(AnalyzerTest<DefaultVerifier> test) =>
        test.SolutionTransforms.Add((solution, id) => solution.WithProjectCompilationOptions(
            id,
            solution.GetProject(id)!.CompilationOptions!.WithSpecificDiagnosticOptions(
                new Dictionary<string, Microsoft.CodeAnalysis.ReportDiagnostic> { ["DG0011"] = Microsoft.CodeAnalysis.ReportDiagnostic.Info })));

    private static DiagnosticResult DG0011(int markup, string name, string type) =>
        new DiagnosticResult(Generators.Descriptors.InferredShape).WithLocation(markup).WithArguments(name, type).WithSeverity(Microsoft.CodeAnalysis.DiagnosticSeverity.Info);

    private const string Mlp = """
        using DeepGen;

        namespace Sample;

        [Model]
        public partial class Mlp : Module
        {
            readonly Linear fc1;
            readonly Linear fc2;

            public Mlp(int hidden)
            {
                fc1 = new Linear(784, 4 * hidden);
                fc2 = new Linear(4 * hidden, 10);
            }

            public Tensor Forward([Shape("B, 1, 28, 28")] Tensor {|#0:x|})
            {
                var {|#1:flat|} = x.Flatten(1);
                Tensor {|#2:h|} = F.Relu(fc1.Forward(flat));
                {|#3:h|} = h * 0.5f;
                return {|#4:fc2.Forward(h)|};
            }
        }
        """;

    [Fact]
    public async Task Is_silent_unless_enabled()
    {
        var test = Verifiers.Generator(Mlp.Replace("{|#0:", "").Replace("{|#1:", "").Replace("{|#2:", "").Replace("{|#3:", "").Replace("{|#4:", "").Replace("|}", ""));
        await test.RunAsync();
    }

    [Fact]
    public async Task Shows_the_type_of_each_parameter_local_assignment_and_the_result()
    {
        var test = Verifiers.Generator(Mlp);
        EnableQuickInfo(test);
        test.ExpectedDiagnostics.Add(DG0011(0, "x", "f32[B, 1, 28, 28]"));
        test.ExpectedDiagnostics.Add(DG0011(1, "flat", "f32[B, 784]"));
        test.ExpectedDiagnostics.Add(DG0011(2, "h", "f32[B, 4*hidden]"));
        test.ExpectedDiagnostics.Add(DG0011(3, "h", "f32[B, 4*hidden]"));
        test.ExpectedDiagnostics.Add(DG0011(4, "return", "f32[B, 10]"));
        await test.RunAsync();
    }

    [Fact]
    public async Task Shows_what_was_inferred_before_a_shape_error_and_joins_the_types_of_an_unrolled_loop()
    {
        var test = Verifiers.Generator("""
            using DeepGen;

            namespace Sample;

            [Model]
            public partial class Tower : Module
            {
                readonly Linear up = new(16, 32);
                readonly Linear down = new(16, 8);

                public Tensor Forward([Shape("B, 16")] Tensor {|#0:x|})
                {
                    var {|#1:h|} = x;
                    for (int i = 0; i < 2; i++)
                    {
                        {|#2:h|} = i == 0 ? up.Forward(h) : h.Unsqueeze(1);
                    }

                    return {|#4:down.Forward(h)|};
                }
            }
            """);
        EnableQuickInfo(test);
        test.ExpectedDiagnostics.Add(DG0011(0, "x", "f32[B, 16]"));
        test.ExpectedDiagnostics.Add(DG0011(1, "h", "f32[B, 16]"));
        test.ExpectedDiagnostics.Add(DG0011(2, "h", "f32[B, 32] or f32[B, 1, 32]"));
        test.ExpectedDiagnostics.Add(new DiagnosticResult(Generators.Descriptors.ShapeError).WithLocation(4).WithArguments(
            "Tower", "linear: input [B, 1, 32] and weight [8, 16]: the weight's in_features 16 differ from the input's last dimension 32"));
        await test.RunAsync();
    }
}
