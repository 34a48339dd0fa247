using DeepGen;

namespace Corpus;

[Model]
public partial class ReturnShapeOk : Module
{
    readonly Linear fc = new(16, 10);

    [return: Shape("B, 10")]
    public Tensor Forward([Shape("B, 16")] Tensor x) => F.Softmax(fc.Forward(x), -1);
}
