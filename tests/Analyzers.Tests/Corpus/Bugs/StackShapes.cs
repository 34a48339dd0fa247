using DeepGen;

namespace Corpus;

// Stacking the heads' outputs needs equal shapes; one head is narrower.
[Model]
public partial class StackShapes : Module
{
    readonly Linear first = new(16, 4);
    readonly Linear second = new(16, 3);

    public Tensor Forward([Shape("B, 16")] Tensor x)
    {
        var votes = Tensor.Stack(new[] { first.Forward(x), second.Forward(x) }, dim: -1); // expect: DG0007
        return votes.Mean(-1);
    }
}
