using DeepGen;

namespace Corpus;

// Two feature sets joined on the batch dim instead of the feature dim.
[Model]
public partial class CatWrongDim : Module
{
    readonly Linear a = new(8, 16);
    readonly Linear b = new(8, 24);

    public Tensor Forward([Shape("B, 8")] Tensor x)
    {
        return Tensor.Cat(a.Forward(x), b.Forward(x)); // expect: DG0007
    }
}
