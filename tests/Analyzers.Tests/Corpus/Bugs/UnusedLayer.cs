using DeepGen;

namespace Corpus;

[Model]
public partial class UnusedLayer : Module
{
    readonly Linear fc1 = new(16, 32);
    readonly Linear fc2 = new(32, 32); // expect: DG0009
    readonly Linear head = new(32, 4);

    public Tensor Forward([Shape("B, 16")] Tensor x) => head.Forward(F.Relu(fc1.Forward(x)));
}
