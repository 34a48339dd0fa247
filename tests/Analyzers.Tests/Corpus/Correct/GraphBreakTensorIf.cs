using DeepGen;

namespace Corpus;

// Branches on a tensor's value: a graph break (DG0006, info) and nothing else.
[Model]
public partial class GraphBreakTensorIf : Module
{
    readonly Linear fc = new(16, 16);

    public Tensor Forward([Shape("B, 16")] Tensor x)
    {
        var h = fc.Forward(x);
        if (h.Sum().Item<float>() > 0)
        {
            h = F.Relu(h);
        }

        return h;
    }
}
