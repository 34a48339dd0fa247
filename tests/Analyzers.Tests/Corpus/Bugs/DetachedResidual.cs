using DeepGen;

namespace Corpus;

[Model]
public partial class DetachedResidual : Module
{
    readonly Linear fc = new(16, 16);

    public Tensor Forward([Shape("B, 16")] Tensor x)
    {
        var h = F.Relu(fc.Forward(x));
        h = h.Detach(); // expect: DG0008
        return x + h;
    }
}
