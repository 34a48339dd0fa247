using DeepGen;

namespace Corpus;

// A comparison makes a mask; it has no gradient by design, and none is reported.
[Model]
public partial class MaskFromComparison : Module
{
    readonly Linear fc = new(16, 16);

    public Tensor Forward([Shape("B, 16")] Tensor x)
    {
        var h = fc.Forward(x);
        return h.MaskedFill(h.Lt(0), 0);
    }
}
