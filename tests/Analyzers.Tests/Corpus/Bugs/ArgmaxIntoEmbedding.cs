using DeepGen;

namespace Corpus;

[Model]
public partial class ArgmaxIntoEmbedding : Module
{
    readonly Linear router = new(16, 8);
    readonly Embedding experts = new(8, 16);

    public Tensor Forward([Shape("B, 16")] Tensor x)
    {
        var choice = router.Forward(x).Argmax(-1); // expect: DG0008
        return x + experts.Forward(choice);
    }
}
