using DeepGen;

namespace Corpus;

[Model]
public partial class ToFloat64 : Module
{
    readonly Linear fc = new(16, 4);

    public Tensor Forward([Shape("B, 16")] Tensor x) => fc.Forward(x).To(DType.Float64);
}
