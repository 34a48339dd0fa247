using DeepGen;

namespace Corpus;

[Model]
public partial class BroadcastBias : Module
{
    readonly Tensor shift = Tensor.Zeros(5);

    public Tensor Forward([Shape("B, 10")] Tensor x)
    {
        var h = F.Relu(x);
        return h + shift; // expect: DG0007
    }
}
