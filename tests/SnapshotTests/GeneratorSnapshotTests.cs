using Xunit;

namespace DeepGen.SnapshotTests;

public class GeneratorSnapshotTests
{
    [Fact]
    public void Model_with_a_bad_shape_annotation()
    {
        const string model = """
            using DeepGen;

            namespace Samples;

            [Model]
            public partial class Classifier
            {
                readonly Linear hidden = new(784, 128);
                readonly Linear head = new(128, 10);

                [return: Shape("B, 10")]
                public Tensor Forward([Shape("B, 1, 28/2, 28")] Tensor x, [Shape("B, H*W")] Tensor mask)
                    => head.Forward(hidden.Forward(x));
            }

            public sealed class Tensor
            {
            }

            public sealed class Linear(int inputs, int outputs)
            {
                public int Inputs => inputs;

                public int Outputs => outputs;

                public Tensor Forward(Tensor x) => x;
            }
            """;

        Snapshot.Verify("BadShapeModel", GeneratorOutput.Render(("Samples/Classifier.cs", model)));
    }
}
