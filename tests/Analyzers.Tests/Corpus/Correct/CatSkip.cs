using DeepGen;

namespace Corpus;

// A DenseNet-style skip: the input joined with its transform on the feature dim feeds a layer of the summed width.
[Model]
public partial class CatSkip : Module
{
    readonly Linear up = new(16, 32);
    readonly Linear head = new(48, 10);

    [return: Shape("B, 10")]
    public Tensor Forward([Shape("B, 16")] Tensor x)
    {
        var joined = Tensor.Cat([x, F.Relu(up.Forward(x))], dim: -1);
        return head.Forward(joined);
    }
}
