using Microsoft.CodeAnalysis.Testing;
using Xunit;

namespace DeepGen.Analyzers.Tests;

/// <summary>DG0007 for convolution and pooling (rank, channels), a layer given the wrong rank, and a contradicted [return: Shape], with near misses.</summary>
public class LayerShapeDiagnosticTests
{
    private static DiagnosticResult DG0007(int markup, string model, string message) =>
        new DiagnosticResult(Generators.Descriptors.ShapeError).WithLocation(markup).WithArguments(model, message);

    [Fact]
    public async Task Conv_and_pool_rank_and_channels_are_reported_at_the_call()
    {
        var test = Verifiers.Generator("""
            using DeepGen;

            namespace Sample;

            [Model]
            public partial class Channels : Module
            {
                readonly Conv2d conv1 = new(1, 16, kernelSize: 3, padding: 1);
                readonly Conv2d conv2 = new(32, 64, kernelSize: 3);

                public Tensor Forward([Shape("B, 1, 28, 28")] Tensor x) => {|#0:conv2.Forward(F.Relu(conv1.Forward(x)))|};
            }

            [Model]
            public partial class FlatConv : Module
            {
                readonly Conv2d conv = new(1, 8, kernelSize: 3);

                public Tensor Forward([Shape("B, 784")] Tensor x) => {|#1:conv.Forward(x)|};
            }

            [Model]
            public partial class FlatPool : Module
            {
                public Tensor Forward([Shape("B, 64")] Tensor x) => {|#2:F.MaxPool2d(x, 2)|};
            }

            [Model]
            public partial class Norm : Module
            {
                readonly Conv2d conv = new(3, 16, kernelSize: 3);
                readonly BatchNorm2d bn = new(32);

                public Tensor Forward([Shape("B, 3, 32, 32")] Tensor x) => {|#3:bn.Forward(conv.Forward(x))|};
            }

            [Model]
            public partial class Tiny : Module
            {
                public Tensor Forward([Shape("B, 8, 2, 2")] Tensor x) => {|#4:F.AvgPool2d(x, 3)|};
            }
            """);
        test.ExpectedDiagnostics.Add(DG0007(0, "Channels", "conv2d: input [B, 16, 28, 28] has 16 channels, but weight [64, 32, 3, 3] expects 32 (groups=1)"));
        test.ExpectedDiagnostics.Add(DG0007(1, "FlatConv", "conv2d: expected a 4-d input [N, C, H, W] and a 4-d weight [out, in/groups, kH, kW], got input [B, 784] and weight [8, 1, 3, 3]"));
        test.ExpectedDiagnostics.Add(DG0007(2, "FlatPool", "max_pool2d: expected a 3-d [C, H, W] or 4-d [N, C, H, W] input, got [B, 64]"));
        test.ExpectedDiagnostics.Add(DG0007(3, "Norm", "batch_norm: input [B, 16, 30, 30] has 16 channels but its statistics/affine parameter has shape [32]"));
        test.ExpectedDiagnostics.Add(DG0007(4, "Tiny", "avg_pool2d: input [B, 8, 2, 2] is too small for a 3x3 window: the output would be 0x0"));
        await test.RunAsync();
    }

    [Fact]
    public async Task A_return_annotation_contradicted_in_rank_or_size_is_reported_at_the_returned_expression()
    {
        var test = Verifiers.Generator("""
            using DeepGen;

            namespace Sample;

            [Model]
            public partial class Rank : Module
            {
                readonly Linear fc = new(16, 10);

                [return: Shape("B, 10, 1")]
                public Tensor Forward([Shape("B, 16")] Tensor x)
                {
                    var h = F.Relu(fc.Forward(x));
                    return {|#0:h * 2|};
                }
            }

            [Model]
            public partial class Size : Module
            {
                readonly Conv2d conv = new(1, 8, kernelSize: 3);

                [return: Shape("B, 8, 28, 28")]
                public Tensor Forward([Shape("B, 1, 28, 28")] Tensor x) => {|#1:conv.Forward(x)|};
            }
            """);
        test.ExpectedDiagnostics.Add(DG0007(0, "Rank", "Forward returns f32[B, 10], but its [return: Shape] annotation says [B, 10, 1]"));
        test.ExpectedDiagnostics.Add(DG0007(1, "Size", "Forward returns f32[B, 8, 26, 26], but its [return: Shape] annotation says [B, 8, 28, 28]"));
        await test.RunAsync();
    }

    [Fact]
    public async Task Near_misses_compile_silently()
    {
        // Channels that match, a pool over a 3-d [C, H, W] input, spatial sizes known only at run time, a
        // pool window that just fits, and return annotations that match (symbolic and constant).
        var test = Verifiers.Generator("""
            using DeepGen;

            namespace Sample;

            [Model]
            public partial class Net : Module
            {
                readonly Conv2d conv1 = new(1, 16, kernelSize: 3, padding: 1);
                readonly BatchNorm2d bn = new(16);
                readonly Conv2d conv2 = new(16, 32, kernelSize: 3, padding: 1);

                [return: Shape("B, 32, 14, 14")]
                public Tensor Forward([Shape("B, 1, 28, 28")] Tensor x) => F.MaxPool2d(conv2.Forward(F.Relu(bn.Forward(conv1.Forward(x)))), 2);
            }

            [Model]
            public partial class Planes : Module
            {
                [return: Shape("8, 1, 1")]
                public Tensor Forward([Shape("8, 3, 3")] Tensor x) => F.AvgPool2d(x, 3);
            }

            [Model]
            public partial class AnySize : Module
            {
                readonly Conv2d conv = new(3, 8, kernelSize: 5);

                public Tensor Forward([Shape("B, 3, H, W")] Tensor x) => F.MaxPool2d(F.Relu(conv.Forward(x)), 2);
            }
            """);
        await test.RunAsync();
    }
}
