using DeepGen;

namespace Corpus;

[Model]
public partial class TransposeMix : Module
{
    readonly Linear tokens = new(16, 16);
    readonly Linear channels = new(8, 8);

    public Tensor Forward([Shape("B, 16, 8")] Tensor x)
    {
        var h = tokens.Forward(x.Transpose(1, 2)).Transpose(1, 2);
        return channels.Forward(h);
    }
}
