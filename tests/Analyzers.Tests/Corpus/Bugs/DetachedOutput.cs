using DeepGen;

namespace Corpus;

[Model]
public partial class DetachedOutput : Module
{
    readonly Linear head = new(16, 4);

    public Tensor Forward([Shape("B, 16")] Tensor x) => F.Relu(head.Forward(x).Detach()); // expect: DG0008
}
