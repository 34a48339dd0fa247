using DeepGen;

namespace Corpus;

[Model]
public partial class SymbolicRoundTrip : Module
{
    readonly Linear up;
    readonly Linear down;

    public SymbolicRoundTrip(int d)
    {
        up = new Linear(d, 4 * d);
        down = new Linear(4 * d, d);
    }

    public Tensor Forward([Shape("B, T, 32")] Tensor x)
    {
        var h = F.Gelu(up.Forward(x));
        return down.Forward(h);
    }
}
