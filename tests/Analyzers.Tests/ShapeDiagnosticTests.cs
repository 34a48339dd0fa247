using Microsoft.CodeAnalysis.Testing;
using Xunit;

namespace DeepGen.Analyzers.Tests;

public class ShapeDiagnosticTests
{
    private static DiagnosticResult DG0002(int markup, string text, string target, string reason) =>
        new DiagnosticResult(Generators.Descriptors.InvalidShapeAnnotation).WithLocation(markup).WithArguments(text, target, reason);

    [Fact]
    public async Task Reports_an_invalid_shape_at_the_attribute_argument()
    {
        var test = Verifiers.Generator("""
            using DeepGen;

            namespace Sample;

            [Model]
            public partial class Classifier : Module
            {
                public Tensor Forward([Shape({|#0:"B, 1/2"|})] Tensor x) => x;
            }
            """);
        test.ExpectedDiagnostics.Add(DG0002(
            0,
            "B, 1/2",
            "parameter 'x' of Classifier.Forward",
            "unexpected character '/' at column 5; a dimension is a name, a whole number, a name scaled or offset by whole numbers (4*C, T+1), or '*'"));

        await test.RunAsync();
    }

    [Fact]
    public async Task Checks_every_parameter_and_the_return_value()
    {
        var test = Verifiers.Generator("""
            using DeepGen;

            namespace Sample;

            [Model]
            public partial class Mixer : Module
            {
                [return: Shape({|#0:"B, H*W"|})]
                public Tensor Forward([Shape("B, T, 4*C")] Tensor x, [Shape({|#1:"N,, *"|})] Tensor y, [Shape({|#2:null|})] Tensor z) => x;
            }
            """);
        test.ExpectedDiagnostics.Add(DG0002(1, "N,, *", "parameter 'y' of Mixer.Forward", "empty dimension at column 3; expected a name, a whole number or '*'"));
        test.ExpectedDiagnostics.Add(DG0002(2, "null", "parameter 'z' of Mixer.Forward", "the shape annotation is null; write a shape such as \"B, 1, 28, 28\""));
        test.ExpectedDiagnostics.Add(DG0002(0, "B, H*W", "the return value of Mixer.Forward", "dimension 'H*W' at column 4 uses two names, 'H' and 'W'; a dimension may use only one name"));

        await test.RunAsync();
    }

    [Fact]
    public async Task Stays_silent_for_valid_shapes_and_outside_partial_models()
    {
        // Valid shapes; a bad shape outside a [Model] class, outside Forward, and on a non-partial
        // model (the analyzer's DG0001 covers that one, the generator skips it).
        var test = Verifiers.Generator("""
            using DeepGen;

            namespace Sample;

            [Model]
            public partial class Classifier : Module
            {
                readonly Tensor weight = Tensor.Zeros(10);

                [return: Shape("B, 10")]
                public Tensor Forward([Shape("B, 1, 28, 28")] Tensor x, [Shape("N, *")] Tensor rest, [Shape("")] Tensor scale) => weight;

                public Tensor Helper([Shape("B / 2")] Tensor x) => x;
            }

            public partial class NotAModel
            {
                public Tensor Forward([Shape("B / 2")] Tensor x) => x;
            }

            [Model]
            public class NotPartial
            {
                public Tensor Forward([Shape("B / 2")] Tensor x) => x;
            }
            """);
        test.DisabledDiagnostics.Add("DG0006"); // 'rest' ("N, *") makes Forward run eagerly: ForwardDiagnosticTests covers that

        await test.RunAsync();
    }
}
