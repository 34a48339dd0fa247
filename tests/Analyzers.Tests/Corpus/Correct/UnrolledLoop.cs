using DeepGen;

namespace Corpus;

[Model]
public partial class UnrolledLoop : Module
{
    readonly Linear fc = new(32, 32);

    public Tensor Forward([Shape("B, 32")] Tensor x)
    {
        var h = x;
        for (int i = 0; i < 3; i++)
        {
            h = F.Relu(fc.Forward(h)) + h;
        }

        return h;
    }
}
