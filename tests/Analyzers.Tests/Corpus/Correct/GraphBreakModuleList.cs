using DeepGen;

namespace Corpus;

[Model]
public partial class GraphBreakModuleList : Module
{
    readonly ModuleList<Linear> layers = new(new Linear(8, 8), new Linear(8, 8));

    public Tensor Forward([Shape("B, 8")] Tensor x)
    {
        foreach (Linear layer in layers)
        {
            x = F.Relu(layer.Forward(x));
        }

        return x;
    }
}
