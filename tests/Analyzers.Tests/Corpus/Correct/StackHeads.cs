using DeepGen;

namespace Corpus;

// An ensemble: equal-shaped head outputs stacked on a new last dim, then averaged.
[Model]
public partial class StackHeads : Module
{
    readonly Linear first = new(16, 4);
    readonly Linear second = new(16, 4);

    [return: Shape("B, 4")]
    public Tensor Forward([Shape("B, 16")] Tensor x)
    {
        var votes = Tensor.Stack([first.Forward(x), second.Forward(x)], dim: -1);
        return votes.Mean(-1);
    }
}
