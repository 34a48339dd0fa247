using DeepGen;

namespace Corpus;

[Model]
public partial class LayerNormBlock : Module
{
    readonly LayerNorm norm = new(64);
    readonly Linear fc = new(64, 64);

    public Tensor Forward([Shape("B, T, 64")] Tensor x) => x + fc.Forward(norm.Forward(x));
}
