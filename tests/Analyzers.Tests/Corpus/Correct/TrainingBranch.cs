using DeepGen;

namespace Corpus;

[Model]
public partial class TrainingBranch : Module
{
    readonly Linear fc = new(16, 16);

    public Tensor Forward([Shape("B, 16")] Tensor x) => Training ? F.Relu(fc.Forward(x)) : fc.Forward(x);
}
