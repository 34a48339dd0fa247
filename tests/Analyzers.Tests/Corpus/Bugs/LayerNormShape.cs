using DeepGen;

namespace Corpus;

[Model]
public partial class LayerNormShape : Module
{
    readonly LayerNorm norm = new(64);

    public Tensor Forward([Shape("B, T, 32")] Tensor x)
    {
        return norm.Forward(x); // expect: DG0007
    }
}
