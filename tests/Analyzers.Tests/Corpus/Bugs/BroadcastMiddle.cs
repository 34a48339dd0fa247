using DeepGen;

namespace Corpus;

[Model]
public partial class BroadcastMiddle : Module
{
    public Tensor Forward([Shape("B, 3, 4")] Tensor x, [Shape("B, 5, 4")] Tensor y)
    {
        return x * y; // expect: DG0007
    }
}
