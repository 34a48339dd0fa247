using DeepGen;

namespace Corpus;

[Model]
public partial class ConvChannels : Module
{
    readonly Conv2d conv1 = new(1, 16, kernelSize: 3);
    readonly Conv2d conv2 = new(8, 32, kernelSize: 3);

    public Tensor Forward([Shape("B, 1, 28, 28")] Tensor x)
    {
        var h = F.Relu(conv1.Forward(x));
        h = F.Relu(conv2.Forward(h)); // expect: DG0007
        return h.Mean(new[] { 2, 3 });
    }
}
