using DeepGen;

namespace Corpus;

// An activation layer has no parameters, so leaving it unused loses no gradient.
[Model]
public partial class ActivationLayerUnused : Module
{
    readonly Linear fc = new(16, 4);
    readonly ReLU activation = new();

    public Tensor Forward([Shape("B, 16")] Tensor x) => F.Relu(fc.Forward(x));
}
