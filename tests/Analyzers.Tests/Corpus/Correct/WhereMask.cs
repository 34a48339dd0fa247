using DeepGen;

namespace Corpus;

[Model]
public partial class WhereMask : Module
{
    public Tensor Forward([Shape("B, 10")] Tensor a, [Shape("1, 10")] Tensor b) => Tensor.Where(a.Gt(0), a, b);
}
