using DeepGen;

namespace Corpus;

[Model]
public partial class ResidualWidth : Module
{
    readonly Linear fc = new(16, 32);

    public Tensor Forward([Shape("B, 16")] Tensor x)
    {
        var h = F.Relu(fc.Forward(x));
        return h + x; // expect: DG0007
    }
}
