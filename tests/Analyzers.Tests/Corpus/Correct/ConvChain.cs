using DeepGen;

namespace Corpus;

[Model]
public partial class ConvChain : Module
{
    readonly Conv2d conv1 = new(3, 16, kernelSize: 3, stride: 2, padding: 1);
    readonly Conv2d conv2 = new(16, 32, kernelSize: 3, padding: 1);
    readonly Linear head = new(32 * 16 * 16, 10);

    public Tensor Forward([Shape("B, 3, 32, 32")] Tensor x)
    {
        var h = F.Relu(conv1.Forward(x));
        h = F.Relu(conv2.Forward(h));
        return head.Forward(h.Flatten(1));
    }
}
