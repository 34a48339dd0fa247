using DeepGen;

namespace Corpus;

[Model]
public partial class UnrolledLoop : Module
{
    readonly Linear fc = new(16, 32);

    public Tensor Forward([Shape("B, 16")] Tensor x)
    {
        var h = x;
        for (int i = 0; i < 2; i++)
        {
            h = F.Relu(fc.Forward(h)); // expect: DG0007
        }

        return h;
    }
}
