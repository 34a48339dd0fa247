using DeepGen;

namespace Corpus;

// No [Shape]: the rank is unknown, so the model runs eagerly and nothing is checked.
[Model]
public partial class GraphBreakNoShape : Module
{
    readonly Linear fc = new(16, 4);

    public Tensor Forward(Tensor x) => fc.Forward(x);
}
