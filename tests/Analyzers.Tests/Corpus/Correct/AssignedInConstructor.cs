using DeepGen;

namespace Corpus;

[Model]
public partial class AssignedInConstructor : Module
{
    readonly Linear head;

    public AssignedInConstructor(bool wide)
    {
        head = new Linear(16, 4);
        if (wide)
        {
            head = new Linear(16, 4, bias: false);
        }
    }

    public Tensor Forward([Shape("B, 16")] Tensor x) => head.Forward(x);
}
