using DeepGen;

namespace Corpus;

// B against N: both known only at run time, checked there.
[Model]
public partial class BroadcastSymbols : Module
{
    public Tensor Forward([Shape("B, 10")] Tensor x, [Shape("N, 10")] Tensor y) => x * y;
}
