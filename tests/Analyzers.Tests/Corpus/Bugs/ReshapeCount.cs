using DeepGen;

namespace Corpus;

[Model]
public partial class ReshapeCount : Module
{
    public Tensor Forward([Shape("4, 12")] Tensor x)
    {
        var h = x.Reshape(5, 10); // expect: DG0007
        return F.Relu(h);
    }
}
