using DeepGen;

namespace Corpus;

[Model]
public partial class ConvStrideLinear : Module
{
    readonly Conv2d conv = new(3, 8, kernelSize: 3, stride: 2, padding: 1);
    readonly Linear head = new(8 * 32 * 32, 10);

    public Tensor Forward([Shape("B, 3, 32, 32")] Tensor x)
    {
        var h = F.Relu(conv.Forward(x)).Flatten(1);
        return head.Forward(h); // expect: DG0007
    }
}
