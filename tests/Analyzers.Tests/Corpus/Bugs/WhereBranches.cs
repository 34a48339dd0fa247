using DeepGen;

namespace Corpus;

[Model]
public partial class WhereBranches : Module
{
    public Tensor Forward([Shape("B, 10")] Tensor a, [Shape("B, 5")] Tensor b)
    {
        var positive = a.Gt(0);
        return Tensor.Where(positive, a, b); // expect: DG0007
    }
}
