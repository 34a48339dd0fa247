using DeepGen;

namespace Corpus;

// The argmax is computed but not returned: the output keeps its gradient.
[Model]
public partial class ArgmaxNotReturned : Module
{
    readonly Linear head = new(16, 4);

    public Tensor Forward([Shape("B, 16")] Tensor x)
    {
        var logits = head.Forward(x);
        var predicted = logits.Argmax(-1);
        return logits;
    }
}
