using DeepGen;

namespace Corpus;

[Model]
public partial class HelperMethod : Module
{
    readonly Linear fc1 = new(16, 32);
    readonly Linear fc2 = new(16, 8);

    public Tensor Forward([Shape("B, 16")] Tensor x) => Head(F.Relu(fc1.Forward(x)));

    Tensor Head(Tensor h)
    {
        return fc2.Forward(h); // expect: DG0007
    }
}
