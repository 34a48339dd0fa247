using DeepGen;

namespace Corpus;

[Model]
public partial class DiscardedBranch : Module
{
    readonly Linear main = new(16, 4);
    readonly Linear auxiliary = new(16, 4); // expect: DG0009

    public Tensor Forward([Shape("B, 16")] Tensor x)
    {
        var aux = auxiliary.Forward(x);
        var logits = main.Forward(x);
        return F.LogSoftmax(logits, -1);
    }
}
