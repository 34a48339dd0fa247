using DeepGen;

namespace Corpus;

[Model]
public partial class AttentionHeadDim : Module
{
    public Tensor Forward([Shape("B, H, T, 64")] Tensor q, [Shape("B, H, T, 32")] Tensor k, [Shape("B, H, T, 64")] Tensor v)
    {
        return F.ScaledDotProductAttention(q, k, v, isCausal: true); // expect: DG0007
    }
}
