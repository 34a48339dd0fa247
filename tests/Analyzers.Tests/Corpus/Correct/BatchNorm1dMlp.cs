using DeepGen;

namespace Corpus;

[Model]
public partial class BatchNorm1dMlp : Module
{
    readonly Linear fc = new(64, 128);
    readonly BatchNorm1d bn = new(128);
    readonly Linear head = new(128, 10);

    public Tensor Forward([Shape("B, 64")] Tensor x) => head.Forward(F.Relu(bn.Forward(fc.Forward(x))));
}
