using DeepGen;

namespace Corpus;

[Model]
public partial class MatMulInner : Module
{
    readonly Tensor projection = Tensor.Randn(32, 16);

    public Tensor Forward([Shape("B, T, 64")] Tensor x)
    {
        return x.MatMul(projection); // expect: DG0007
    }
}
