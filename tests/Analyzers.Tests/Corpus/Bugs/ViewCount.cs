using DeepGen;

namespace Corpus;

[Model]
public partial class ViewCount : Module
{
    public Tensor Forward([Shape("2, 3, 8")] Tensor x)
    {
        return x.View(6, 5); // expect: DG0007
    }
}
