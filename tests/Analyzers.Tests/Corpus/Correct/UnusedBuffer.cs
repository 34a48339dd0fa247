using DeepGen;

namespace Corpus;

// A buffer is not trained: not using it in Forward is not a lost gradient.
[Model]
public partial class UnusedBuffer : Module
{
    readonly Linear fc = new(16, 4);
    [Buffer] readonly Tensor steps = Tensor.Zeros(1);

    public Tensor Forward([Shape("B, 16")] Tensor x) => fc.Forward(x);
}
