using DeepGen;

namespace Corpus;

[Model]
public partial class BatchedMatMul : Module
{
    public Tensor Forward([Shape("B, T, 64")] Tensor q, [Shape("B, T, 32")] Tensor k)
    {
        var scores = q.MatMul(k.Transpose(1, 2)); // expect: DG0007
        return F.Softmax(scores, -1);
    }
}
