using DeepGen;

namespace Corpus;

[Model]
public partial class ReturnShape : Module
{
    readonly Linear fc = new(16, 20);

    [return: Shape("B, 10")]
    public Tensor Forward([Shape("B, 16")] Tensor x)
    {
        var h = fc.Forward(x);
        return F.Relu(h); // expect: DG0007
    }
}
