using DeepGen;

namespace Corpus;

[Model]
public partial class TransposeLinear : Module
{
    readonly Linear mix = new(8, 4);

    public Tensor Forward([Shape("B, 16, 8")] Tensor x)
    {
        return mix.Forward(x.Transpose(1, 2)); // expect: DG0007
    }
}
