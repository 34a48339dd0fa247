using DeepGen;

namespace Corpus;

[Model]
public partial class ReassignedLayer : Module
{
    Linear head = new(16, 4);

    public Tensor Forward([Shape("B, 16")] Tensor x) => head.Forward(x);

    public void ResetHead()
    {
        head = new Linear(16, 4); // expect: DG0010
    }
}
