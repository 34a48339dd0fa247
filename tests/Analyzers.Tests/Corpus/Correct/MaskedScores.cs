using DeepGen;

namespace Corpus;

[Model]
public partial class MaskedScores : Module
{
    public Tensor Forward([Shape("B, T, T")] Tensor scores, [Shape("B, 1, T")] Tensor padding)
    {
        var masked = scores.MaskedFill(padding.Eq(0), -1e9);
        return F.Softmax(masked, -1);
    }
}
