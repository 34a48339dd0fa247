namespace DeepGen.Benchmarks.Compare;

/// <summary>The peer's MLP (784-256-256-10, ReLU) as a [Model] compiled by the generator, for <c>mlp.compiled.*</c>.</summary>
[Model]
public sealed partial class CompiledMlp : Module, ITensorModule
{
    readonly Linear fc1 = new(784, 256);
    readonly Linear fc2 = new(256, 256);
    readonly Linear fc3 = new(256, 10);

    public Tensor Forward([Shape("B, 784")] Tensor x) => fc3.Forward(F.Relu(fc2.Forward(F.Relu(fc1.Forward(x)))));
}
