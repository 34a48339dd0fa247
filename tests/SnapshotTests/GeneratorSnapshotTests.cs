using Xunit;

namespace DeepGen.SnapshotTests;

public class GeneratorSnapshotTests
{
    /// <summary>A hand-written layer for the samples, as the built-in ones are.</summary>
    private const string Layers = """
        using DeepGen;

        namespace Samples;

        public sealed class Linear(int inputs, int outputs) : Module
        {
            readonly Tensor weight = Tensor.Zeros(outputs, inputs);

            public Tensor Forward(Tensor x) => x;

            protected override void VisitMembers(IModuleVisitor visitor) => visitor.Parameter("weight", weight);
        }
        """;

    [Fact]
    public void Model_with_a_bad_shape_annotation()
    {
        const string model = """
            using DeepGen;

            namespace Samples;

            [Model]
            public partial class Classifier : Module
            {
                readonly Linear hidden = new(784, 128);
                readonly Linear head = new(128, 10);

                [return: Shape("B, 10")]
                public Tensor Forward([Shape("B, 1, 28/2, 28")] Tensor x, [Shape("B, H*W")] Tensor mask)
                    => head.Forward(hidden.Forward(x));
            }
            """;

        Snapshot.Verify("BadShapeModel", GeneratorOutput.Render(("Samples/Classifier.cs", model), ("Samples/Layers.cs", Layers)));
    }

    [Fact]
    public void Model_with_sub_modules_parameters_and_buffers()
    {
        const string model = """
            using DeepGen;

            namespace Samples.Vision;

            [Model]
            public partial class Classifier : Module
            {
                readonly Samples.Linear _hidden = new(784, 128);
                readonly Samples.Linear _head = new(128, 10);
                readonly Tensor temperature = Tensor.Ones(1);
                [Buffer] readonly Tensor seen = Tensor.Zeros(1);
                [Buffer(Persistent = false)] readonly Tensor classWeights = Tensor.Ones(10);
                readonly int classes = 10;
                static readonly Tensor Epsilon = Tensor.Scalar(1e-5);

                public Tensor Scale { get; } = Tensor.Ones(10);

                public Tensor Logits => _head.Forward(temperature);

                [return: Shape("B, 10")]
                public Tensor Forward([Shape("B, 784")] Tensor x)
                    => _head.Forward(_hidden.Forward(x)) * Scale * classWeights / temperature + Epsilon * classes;
            }
            """;

        Snapshot.Verify("ClassifierModel", GeneratorOutput.Render(("Models/Classifier.cs", model), ("Models/Layers.cs", Layers)));
    }

    [Fact]
    public void Derived_generic_and_nested_models()
    {
        const string models = """
            using DeepGen;

            namespace Samples.Nets;

            [Model]
            public abstract partial class Backbone : Module
            {
                readonly Linear stem = new(3, 16);
            }

            [Model]
            public partial class ResNet : Backbone
            {
                readonly Linear fc = new(16, 10);
            }

            public static partial class Blocks
            {
                [Model]
                public partial class Residual<TBlock> : Module where TBlock : Module
                {
                    readonly TBlock _block;
                    readonly Tensor gate = Tensor.Zeros(1);

                    public Residual(TBlock block) => _block = block;
                }
            }
            """;

        Snapshot.Verify("DerivedGenericNestedModels", GeneratorOutput.Render(("Nets/Models.cs", models), ("Nets/Layers.cs", Layers.Replace("namespace Samples;", "namespace Samples.Nets;", StringComparison.Ordinal))));
    }

    [Fact]
    public void Models_that_get_no_registration()
    {
        const string models = """
            using DeepGen;

            namespace Samples;

            [Model]
            public partial class HandWritten : Module
            {
                readonly Tensor weight = Tensor.Zeros(3);

                protected override void VisitMembers(IModuleVisitor visitor) => visitor.Parameter("weight", weight);
            }

            [Model]
            public partial class NotAModule
            {
            }

            [Model]
            public partial class Clash : Module
            {
                readonly Tensor _weight = Tensor.Zeros(3);
                readonly Tensor weight = Tensor.Zeros(3);
            }
            """;

        Snapshot.Verify("ModelsWithoutRegistration", GeneratorOutput.Render(("Samples/Models.cs", models)));
    }
}
