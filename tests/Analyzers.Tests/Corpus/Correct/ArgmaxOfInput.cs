using DeepGen;

namespace Corpus;

// The indices come from the input, not from the model's parameters: there is no gradient to cut.
[Model]
public partial class ArgmaxOfInput : Module
{
    readonly Embedding table = new(16, 8);

    public Tensor Forward([Shape("B, 16")] Tensor scores) => table.Forward(scores.Argmax(-1));
}
