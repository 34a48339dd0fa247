using DeepGen;

namespace Corpus;

[Model]
public partial class UnusedTensor : Module
{
    readonly Linear fc = new(16, 4);
    readonly Tensor temperature = Tensor.Ones(1); // expect: DG0009

    public Tensor Forward([Shape("B, 16")] Tensor x) => F.Softmax(fc.Forward(x), -1);
}
