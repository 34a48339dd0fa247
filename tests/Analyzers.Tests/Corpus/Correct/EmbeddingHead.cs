using DeepGen;

namespace Corpus;

[Model]
public partial class EmbeddingHead : Module
{
    readonly Embedding embed = new(1000, 32);
    readonly Linear head = new(32, 1000);

    public Tensor Forward([Shape("B, T")] Tensor tokens) => head.Forward(embed.Forward(tokens));
}
