using DeepGen;

namespace Corpus;

[Model]
public partial class ReshapeInfer : Module
{
    public Tensor Forward([Shape("B, 3, 8")] Tensor x)
    {
        var h = x.Reshape(-1, 24);
        return h.View(x.Size(0), 6, 4);
    }
}
