using DeepGen;

namespace Corpus;

[Model]
public partial class LongCast : Module
{
    readonly Linear bucket = new(16, 1);
    readonly Embedding table = new(10, 16);

    public Tensor Forward([Shape("B, 16")] Tensor x)
    {
        var index = F.Relu(bucket.Forward(x)).Flatten().Long(); // expect: DG0008
        return table.Forward(index);
    }
}
