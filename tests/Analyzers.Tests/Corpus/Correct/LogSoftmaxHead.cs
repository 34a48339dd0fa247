using DeepGen;

namespace Corpus;

[Model]
public partial class LogSoftmaxHead : Module
{
    readonly Linear fc = new(20, 5);

    [return: Shape("B, 5")]
    public Tensor Forward([Shape("B, 20")] Tensor x) => F.LogSoftmax(fc.Forward(F.Dropout(x, 0.1, Training)), -1);
}
