using DeepGen;

namespace Corpus;

[Model]
public partial class FunctionalLinear : Module
{
    readonly Tensor weight = Tensor.Randn(10, 78);
    readonly Tensor bias = Tensor.Zeros(10);

    public Tensor Forward([Shape("B, 784")] Tensor x)
    {
        return F.Linear(x, weight, bias); // expect: DG0007
    }
}
