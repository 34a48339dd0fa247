using DeepGen;

namespace Corpus;

[Model]
public partial class TokensToLong : Module
{
    readonly Embedding table = new(100, 8);

    public Tensor Forward([Shape("B, T")] Tensor tokens) => table.Forward(tokens.Long());
}
