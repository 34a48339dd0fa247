using DeepGen;

namespace Corpus;

[Model]
public partial class GraphBreakUnknownCall : Module
{
    readonly Linear fc = new(4, 4);

    public Tensor Forward([Shape("B, 4")] Tensor x) => fc.Forward(x.Sign());
}
