using DeepGen;

namespace Corpus;

// [B, 10] + [1, 10]: a size 1 broadcasts against B.
[Model]
public partial class BroadcastOne : Module
{
    readonly Tensor shift = Tensor.Zeros(1, 10);

    public Tensor Forward([Shape("B, 10")] Tensor x) => x + shift;
}
