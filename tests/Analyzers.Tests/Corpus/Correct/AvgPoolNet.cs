using DeepGen;

namespace Corpus;

[Model]
public partial class AvgPoolNet : Module
{
    readonly Conv2d conv = new(3, 8, kernelSize: 5, padding: 2);
    readonly Linear head = new(8 * 8 * 8, 10);

    public Tensor Forward([Shape("B, 3, 32, 32")] Tensor x)
    {
        var h = F.AvgPool2d(F.Relu(conv.Forward(x)), 4);
        return head.Forward(h.Flatten(1));
    }
}
