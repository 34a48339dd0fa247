using DeepGen;

namespace Corpus;

[Model]
public partial class SymbolicOffByOne : Module
{
    readonly Linear first;
    readonly Linear second;

    public SymbolicOffByOne(int width)
    {
        first = new Linear(width, width + 1);
        second = new Linear(width, width);
    }

    public Tensor Forward([Shape("B, N")] Tensor x)
    {
        var h = F.Tanh(first.Forward(x));
        return second.Forward(h); // expect: DG0007
    }
}
