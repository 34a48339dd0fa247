using DeepGen;

namespace Corpus;

// The layer's width comes from a field set at run time: an unknown size ('?'), checked when the model runs.
[Model]
public partial class UnknownSize : Module
{
    static int Width() => 16;

    readonly Linear fc = new(Width(), 4);

    public Tensor Forward([Shape("B, 32")] Tensor x) => fc.Forward(x);
}
