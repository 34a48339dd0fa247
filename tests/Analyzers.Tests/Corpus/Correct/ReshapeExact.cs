using DeepGen;

namespace Corpus;

[Model]
public partial class ReshapeExact : Module
{
    public Tensor Forward([Shape("4, 12")] Tensor x) => F.Relu(x.Reshape(6, 8));
}
