using DeepGen;

namespace Corpus;

[Model]
public partial class ConvFlattenLinear : Module
{
    readonly Conv2d conv = new(1, 16, kernelSize: 3, padding: 1);
    readonly Linear head = new(16 * 7 * 7, 10);

    public Tensor Forward([Shape("B, 1, 28, 28")] Tensor x)
    {
        var h = F.MaxPool2d(F.Relu(conv.Forward(x)), 2);
        return head.Forward(h.Flatten(1)); // expect: DG0007
    }
}
