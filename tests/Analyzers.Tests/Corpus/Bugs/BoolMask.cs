using DeepGen;

namespace Corpus;

[Model]
public partial class BoolMask : Module
{
    readonly Linear gate = new(16, 16);

    public Tensor Forward([Shape("B, 16")] Tensor x)
    {
        var keep = F.Sigmoid(gate.Forward(x)).Bool(); // expect: DG0008
        return x.MaskedFill(keep, 0);
    }
}
