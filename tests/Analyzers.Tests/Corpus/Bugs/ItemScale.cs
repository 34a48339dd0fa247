using DeepGen;

namespace Corpus;

[Model]
public partial class ItemScale : Module
{
    readonly Linear gate = new(16, 1);

    public Tensor Forward([Shape("B, 16")] Tensor x)
    {
        float scale = gate.Forward(x).Mean().Item<float>(); // expect: DG0008
        return x * scale;
    }
}
