using DeepGen;

namespace Corpus;

[Model]
public partial class SymbolicLinear : Module
{
    readonly Linear up;
    readonly Linear down;

    public SymbolicLinear(int d)
    {
        up = new Linear(d, 4 * d);
        down = new Linear(2 * d, d);
    }

    public Tensor Forward([Shape("B, 16")] Tensor x)
    {
        var h = F.Gelu(up.Forward(x));
        return down.Forward(h); // expect: DG0007
    }
}
