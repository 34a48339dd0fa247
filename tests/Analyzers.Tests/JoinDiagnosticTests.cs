using Microsoft.CodeAnalysis.Testing;
using Xunit;

namespace DeepGen.Analyzers.Tests;

/// <summary>DG0007 for Tensor.Cat and Tensor.Stack, in each way the tensors can be listed, and for Narrow, with near misses that compile silently.</summary>
public class JoinDiagnosticTests
{
    private static DiagnosticResult DG0007(int markup, string model, string message) =>
        new DiagnosticResult(Generators.Descriptors.ShapeError).WithLocation(markup).WithArguments(model, message);

    [Fact]
    public async Task Cat_and_stack_mismatches_name_the_dim_and_both_shapes()
    {
        var test = Verifiers.Generator("""
            using DeepGen;

            namespace Sample;

            [Model]
            public partial class Features : Module
            {
                readonly Linear wide = new(16, 32);

                public Tensor Forward([Shape("B, 16")] Tensor x) => {|#0:Tensor.Cat([x, wide.Forward(x)], dim: 0)|};
            }

            [Model]
            public partial class Pair : Module
            {
                public Tensor Forward([Shape("B, T, 8")] Tensor a, [Shape("B, T+1, 8")] Tensor b) => {|#1:Tensor.Cat(new[] { a, b }, -1)|};
            }

            [Model]
            public partial class Votes : Module
            {
                readonly Linear head = new(16, 4);

                public Tensor Forward([Shape("B, 16")] Tensor x) => {|#2:Tensor.Stack(x, head.Forward(x))|};
            }

            [Model]
            public partial class Ranks : Module
            {
                public Tensor Forward([Shape("B, 16")] Tensor x, [Shape("16")] Tensor bias) => {|#3:Tensor.Cat(x, bias)|};
            }
            """);
        test.ExpectedDiagnostics.Add(DG0007(0, "Features", "cat: tensor 1 has shape [B, 32] but tensor 0 has [B, 16]; all sizes but dim 0 must match"));
        test.ExpectedDiagnostics.Add(DG0007(1, "Pair", "cat: tensor 1 has shape [B, T+1, 8] but tensor 0 has [B, T, 8]; all sizes but dim 2 must match"));
        test.ExpectedDiagnostics.Add(DG0007(2, "Votes", "stack: tensor 1 has shape [B, 4] but tensor 0 has [B, 16]; stack needs tensors of equal shape"));
        test.ExpectedDiagnostics.Add(DG0007(3, "Ranks", "cat: tensor 1 has shape [16] but tensor 0 has [B, 16]; all tensors need the same rank"));
        await test.RunAsync();
    }

    [Fact]
    public async Task Cat_sizes_flow_into_the_next_layer()
    {
        // [B, 16] and [B, 32] joined on dim 1 are [B, 48]: a Linear expecting 64 is wrong.
        var test = Verifiers.Generator("""
            using DeepGen;

            namespace Sample;

            [Model]
            public partial class Skip : Module
            {
                readonly Linear up = new(16, 32);
                readonly Linear head = new(64, 10);

                public Tensor Forward([Shape("B, 16")] Tensor x)
                {
                    var joined = Tensor.Cat([x, up.Forward(x)], dim: -1);
                    return {|#0:head.Forward(joined)|};
                }
            }
            """);
        test.ExpectedDiagnostics.Add(DG0007(0, "Skip", "linear: input [B, 48] and weight [10, 64]: the weight's in_features 64 differ from the input's last dimension 48"));
        await test.RunAsync();
    }

    [Fact]
    public async Task Narrow_out_of_range_is_reported_and_a_slice_that_fits_is_not()
    {
        var test = Verifiers.Generator("""
            using DeepGen;

            namespace Sample;

            [Model]
            public partial class Glu : Module
            {
                readonly Linear fc = new(16, 32);

                [return: Shape("B, 16")]
                public Tensor Forward([Shape("B, 16")] Tensor x)
                {
                    var h = fc.Forward(x);
                    return h.Narrow(1, 0, 16) * h.Narrow(-1, -16, 16).Sigmoid();
                }
            }

            [Model]
            public partial class Halves : Module
            {
                readonly Linear fc = new(16, 24);

                public Tensor Forward([Shape("B, 16")] Tensor x)
                {
                    var h = fc.Forward(x);
                    return {|#0:h.Narrow(1, 16, 16)|};
                }
            }
            """);
        test.ExpectedDiagnostics.Add(DG0007(0, "Halves", "narrow: start 16 and length 16 are out of range for dim 1 of size 24 (input [B, 24])"));
        await test.RunAsync();
    }

    [Fact]
    public async Task Near_misses_compile_silently()
    {
        // Matching sizes off the joined dim, symbols that may be equal at run time (C against B), a stack
        // of equal shapes on a negative dim, and a cat whose result feeds a layer of the summed width.
        var test = Verifiers.Generator("""
            using DeepGen;

            namespace Sample;

            [Model]
            public partial class Skip : Module
            {
                readonly Linear up = new(16, 32);
                readonly Linear head = new(48, 10);

                [return: Shape("B, 10")]
                public Tensor Forward([Shape("B, 16")] Tensor x)
                {
                    var joined = Tensor.Cat([x, up.Forward(x)], dim: 1);
                    return head.Forward(joined);
                }
            }

            [Model]
            public partial class Rows : Module
            {
                [return: Shape("2*B, 16")]
                public Tensor Forward([Shape("B, 16")] Tensor x) => Tensor.Cat(x, x * 2);
            }

            [Model]
            public partial class Batches : Module
            {
                [return: Shape("16")]
                public Tensor Forward([Shape("B, 16")] Tensor a, [Shape("C, 16")] Tensor b) => Tensor.Cat(new[] { a, b }, dim: 0).Mean(0) + Tensor.Stack([a, b], 1).Mean(1).Mean(0);
            }

            [Model]
            public partial class Votes : Module
            {
                readonly Linear head = new(16, 16);

                [return: Shape("B, 16, 3")]
                public Tensor Forward([Shape("B, 16")] Tensor x) => Tensor.Stack([x, head.Forward(x), F.Relu(x)], dim: -1);
            }
            """);
        await test.RunAsync();
    }
}
