using DeepGen;

namespace Corpus;

[Model]
public partial class Widen : Module
{
    readonly Linear fc = new(16, 32);

    public Tensor Forward([Shape("B, 16")] Tensor x) => F.Relu(fc.Forward(x));
}

[Model]
public partial class SubModelWidth : Module
{
    readonly Widen block = new();
    readonly Linear head = new(16, 10);

    public Tensor Forward([Shape("B, 16")] Tensor x)
    {
        var h = block.Forward(x);
        return head.Forward(h); // expect: DG0007
    }
}
