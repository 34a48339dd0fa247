using DeepGen;

namespace Corpus;

[Model]
public partial class PoolRank : Module
{
    readonly Linear fc = new(64, 32);

    public Tensor Forward([Shape("B, 64")] Tensor x)
    {
        var h = F.Relu(fc.Forward(x));
        return F.MaxPool2d(h, 2); // expect: DG0007
    }
}
