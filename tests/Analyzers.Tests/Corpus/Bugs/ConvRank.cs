using DeepGen;

namespace Corpus;

[Model]
public partial class ConvRank : Module
{
    readonly Conv2d conv = new(1, 8, kernelSize: 3);

    public Tensor Forward([Shape("B, 784")] Tensor x)
    {
        return conv.Forward(x); // expect: DG0007
    }
}
