using DeepGen;

namespace Corpus;

// The decoder is used by another method; Forward alone does not say it is dead.
[Model]
public partial class LayerUsedElsewhere : Module
{
    readonly Linear encoder = new(16, 4);
    readonly Linear decoder = new(4, 16);

    public Tensor Forward([Shape("B, 16")] Tensor x) => encoder.Forward(x);

    public Tensor Decode(Tensor code) => decoder.Forward(code);
}
