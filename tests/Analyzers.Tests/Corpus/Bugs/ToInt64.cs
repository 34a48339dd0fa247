using DeepGen;

namespace Corpus;

[Model]
public partial class ToInt64 : Module
{
    readonly Linear fc = new(16, 16);

    public Tensor Forward([Shape("B, 16")] Tensor x)
    {
        var rounded = fc.Forward(x).To(DType.Int64); // expect: DG0008
        return rounded.Float() + x;
    }
}
