using DeepGen;

namespace Corpus;

[Model]
public partial class ReassignedThroughThis : Module
{
    Conv2d stem = new(3, 8, kernelSize: 3);

    public Tensor Forward([Shape("B, 3, 32, 32")] Tensor x) => F.Relu(stem.Forward(x));

    public void UseWiderKernel() => this.stem = new Conv2d(3, 8, kernelSize: 5, padding: 1); // expect: DG0010
}
