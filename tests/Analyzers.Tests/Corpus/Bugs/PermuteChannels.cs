using DeepGen;

namespace Corpus;

[Model]
public partial class PermuteChannels : Module
{
    readonly Conv2d conv = new(1, 8, kernelSize: 3, padding: 1);

    public Tensor Forward([Shape("B, 28, 28, 3")] Tensor x)
    {
        var channelsFirst = x.Permute(0, 3, 1, 2);
        return conv.Forward(channelsFirst); // expect: DG0007
    }
}
