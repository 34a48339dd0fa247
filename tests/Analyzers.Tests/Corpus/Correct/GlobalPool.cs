using DeepGen;

namespace Corpus;

[Model]
public partial class GlobalPool : Module
{
    readonly Conv2d conv = new(1, 16, kernelSize: 3);
    readonly Linear head = new(16, 10);

    public Tensor Forward([Shape("B, 1, H, W")] Tensor x)
    {
        var h = F.Relu(conv.Forward(x));
        return head.Forward(h.Mean(new[] { 2, 3 }));
    }
}
