using DeepGen;

namespace Corpus;

[Model]
public partial class MatMulWeights : Module
{
    readonly Tensor projection = Tensor.Randn(64, 16);

    public Tensor Forward([Shape("B, T, 64")] Tensor x) => x.MatMul(projection);
}
