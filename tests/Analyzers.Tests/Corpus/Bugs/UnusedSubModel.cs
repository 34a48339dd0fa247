using DeepGen;

namespace Corpus;

[Model]
public partial class Projector : Module
{
    readonly Linear fc = new(16, 16);

    public Tensor Forward([Shape("B, 16")] Tensor x) => fc.Forward(x);
}

[Model]
public partial class UnusedSubModel : Module
{
    readonly Projector projector = new(); // expect: DG0009
    readonly Linear head = new(16, 2);

    public Tensor Forward([Shape("B, 16")] Tensor x) => head.Forward(x);
}
