using DeepGen;

namespace Corpus;

[Model]
public partial class Attention : Module
{
    const int Heads = 4;
    const int HeadDim = 16;
    readonly Linear query = new(64, 64);
    readonly Linear proj = new(64, 64);

    public Tensor Forward([Shape("B, T, 64")] Tensor x)
    {
        var q = query.Forward(x).Reshape(x.Size(0), x.Size(1), Heads, HeadDim).Transpose(1, 2);
        var scores = q.MatMul(q.Transpose(2, 3)) / System.Math.Sqrt(HeadDim);
        var mixed = F.Softmax(scores, -1).MatMul(q).Transpose(1, 2).Reshape(x.Size(0), x.Size(1), 64);
        return proj.Forward(mixed);
    }
}
