using DeepGen;

namespace Corpus;

[Model]
public partial class Sdpa : Module
{
    public Tensor Forward([Shape("B, H, T, 32")] Tensor q, [Shape("B, H, S, 32")] Tensor k, [Shape("B, H, S, 32")] Tensor v) =>
        F.ScaledDotProductAttention(q, k, v);
}
