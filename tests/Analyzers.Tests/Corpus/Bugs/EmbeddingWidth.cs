using DeepGen;

namespace Corpus;

[Model]
public partial class EmbeddingWidth : Module
{
    readonly Embedding embed = new(1000, 32);
    readonly Linear head = new(64, 1000);

    public Tensor Forward([Shape("B, T")] Tensor tokens)
    {
        var h = embed.Forward(tokens);
        return head.Forward(h); // expect: DG0007
    }
}
