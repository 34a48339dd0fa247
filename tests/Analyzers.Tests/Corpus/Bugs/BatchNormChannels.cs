using DeepGen;

namespace Corpus;

[Model]
public partial class BatchNormChannels : Module
{
    readonly Conv2d conv = new(1, 32, kernelSize: 3, padding: 1);
    readonly BatchNorm2d bn = new(16);

    public Tensor Forward([Shape("B, 1, 28, 28")] Tensor x)
    {
        return F.Relu(bn.Forward(conv.Forward(x))); // expect: DG0007
    }
}
