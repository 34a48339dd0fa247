using DeepGen;

namespace Corpus;

// Two batches of different (symbolic) sizes joined on dim 0: the sizes off dim 0 match.
[Model]
public partial class CatBatches : Module
{
    readonly Linear fc = new(16, 4);

    [return: Shape("4")]
    public Tensor Forward([Shape("B, 16")] Tensor a, [Shape("C, 16")] Tensor b)
    {
        return fc.Forward(Tensor.Cat(new[] { a, b }, dim: 0)).Mean(0);
    }
}
