using DeepGen;

namespace Corpus;

[Model]
public partial class LinearInOut : Module
{
    readonly Linear fc1 = new(28 * 28, 256);
    readonly Linear fc2 = new(128, 10);

    public Tensor Forward([Shape("B, 1, 28, 28")] Tensor x)
    {
        var h = F.Relu(fc1.Forward(x.Flatten(1)));
        return fc2.Forward(h); // expect: DG0007
    }
}
