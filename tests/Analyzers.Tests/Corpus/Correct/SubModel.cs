using DeepGen;

namespace Corpus;

[Model]
public partial class Block : Module
{
    readonly Linear fc;

    public Block(int width) => fc = new Linear(width, width);

    public Tensor Forward([Shape("B, N")] Tensor x) => x + F.Relu(fc.Forward(x));
}

[Model]
public partial class SubModel : Module
{
    readonly Block first = new(32);
    readonly Block second = new(32);
    readonly Linear head = new(32, 10);

    public Tensor Forward([Shape("B, 32")] Tensor x) => head.Forward(second.Forward(first.Forward(x)));
}
