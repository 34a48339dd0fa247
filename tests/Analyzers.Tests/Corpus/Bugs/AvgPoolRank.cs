using DeepGen;

namespace Corpus;

[Model]
public partial class AvgPoolRank : Module
{
    public Tensor Forward([Shape("B, 16")] Tensor x)
    {
        return F.AvgPool2d(x, 2); // expect: DG0007
    }
}
