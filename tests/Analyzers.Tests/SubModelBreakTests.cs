using Microsoft.CodeAnalysis.Testing;
using Xunit;

namespace DeepGen.Analyzers.Tests;

/// <summary>A sub-model whose Forward breaks: its own DG0006 at the construct, the parent's at its call, never twice at one place.</summary>
public class SubModelBreakTests
{
    private static DiagnosticResult DG0006(int markup, string model, string reason) =>
        new DiagnosticResult(Generators.Descriptors.GraphBreak).WithLocation(markup).WithArguments(model, Generators.EagerScope.WholeForward, reason);

    [Fact]
    public async Task The_parent_reports_the_break_at_its_call_and_the_sub_model_at_the_construct()
    {
        var test = Verifiers.Generator("""
            using DeepGen;

            namespace Sample;

            [Model]
            public partial class Block : Module
            {
                readonly Linear fc = new(16, 16);

                public Tensor Forward([Shape("B, 16")] Tensor x)
                {
                    var h = fc.Forward(x);
                    {|#0:if (h.Sum().Item<float>() > 0)|}
                    {
                        return h;
                    }

                    return x;
                }
            }

            [Model]
            public partial class Middle : Module
            {
                readonly Block block = new();

                public Tensor Forward([Shape("B, 16")] Tensor x) => {|#1:block.Forward(x)|} * 2;
            }

            [Model]
            public partial class Outer : Module
            {
                readonly Middle middle = new();

                public Tensor Forward([Shape("B, 16")] Tensor x) => F.Relu({|#2:middle.Forward(x)|});
            }
            """);
        test.ExpectedDiagnostics.Add(DG0006(0, "Block", "the `if` at line 13 branches on a tensor's value, and compiled regions cannot go around it: it returns from Forward before its last statement"));
        test.ExpectedDiagnostics.Add(DG0006(1, "Middle", "`block.Forward(x)` at line 27 inlines Block.Forward, which cannot be compiled: the `if` at line 13 branches on a tensor's value"));
        test.ExpectedDiagnostics.Add(DG0006(2, "Outer", "`middle.Forward(x)` at line 35 inlines Middle.Forward, which cannot be compiled: the `if` at line 13 branches on a tensor's value"));
        await test.RunAsync();
    }

    [Fact]
    public async Task A_sub_model_that_compiles_gives_no_graph_break()
    {
        var test = Verifiers.Generator("""
            using DeepGen;

            namespace Sample;

            [Model]
            public partial class Block : Module
            {
                readonly Linear fc = new(16, 16);

                public Tensor Forward([Shape("B, 16")] Tensor x) => F.Relu(fc.Forward(x)) + x;
            }

            [Model]
            public partial class Outer : Module
            {
                readonly Block block = new();

                public Tensor Forward([Shape("B, 16")] Tensor x) => block.Forward(x) * 2;
            }
            """);
        await test.RunAsync();
    }
}
