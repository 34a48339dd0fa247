using DeepGen;

namespace Corpus;

// A skip connection joined on the features: [B, 16] + [B, 32] is [B, 48], not 64.
[Model]
public partial class CatWidth : Module
{
    readonly Linear up = new(16, 32);
    readonly Linear head = new(64, 10);

    public Tensor Forward([Shape("B, 16")] Tensor x)
    {
        var joined = Tensor.Cat([x, F.Relu(up.Forward(x))], dim: 1);
        return head.Forward(joined); // expect: DG0007
    }
}
