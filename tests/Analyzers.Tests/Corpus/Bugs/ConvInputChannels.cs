using DeepGen;

namespace Corpus;

[Model]
public partial class ConvInputChannels : Module
{
    readonly Conv2d stem = new(1, 8, kernelSize: 3, padding: 1);

    public Tensor Forward([Shape("B, 3, 32, 32")] Tensor x)
    {
        return F.Relu(stem.Forward(x)); // expect: DG0007
    }
}
