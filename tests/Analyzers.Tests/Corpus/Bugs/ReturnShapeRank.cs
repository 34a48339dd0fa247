using DeepGen;

namespace Corpus;

[Model]
public partial class ReturnShapeRank : Module
{
    readonly Linear fc = new(16, 10);

    [return: Shape("B, 1, 10")]
    public Tensor Forward([Shape("B, 16")] Tensor x) => fc.Forward(x); // expect: DG0007
}
