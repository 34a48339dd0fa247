using DeepGen;

namespace Corpus;

[Model]
public partial class MeanThenLinear : Module
{
    readonly Linear head = new(32, 4);

    public Tensor Forward([Shape("B, T, 16")] Tensor x)
    {
        var pooled = x.Mean(1);
        return head.Forward(pooled); // expect: DG0007
    }
}
