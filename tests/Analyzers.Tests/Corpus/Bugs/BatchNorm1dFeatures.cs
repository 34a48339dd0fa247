using DeepGen;

namespace Corpus;

[Model]
public partial class BatchNorm1dFeatures : Module
{
    readonly Linear fc = new(64, 128);
    readonly BatchNorm1d bn = new(64);

    public Tensor Forward([Shape("B, 64")] Tensor x)
    {
        var h = fc.Forward(x);
        return bn.Forward(h); // expect: DG0007
    }
}
