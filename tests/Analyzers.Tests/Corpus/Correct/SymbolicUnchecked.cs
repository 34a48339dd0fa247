using DeepGen;

namespace Corpus;

// The input's D and the constructor's d are different symbols: they may match, so nothing is reported.
[Model]
public partial class SymbolicUnchecked : Module
{
    readonly Linear fc;

    public SymbolicUnchecked(int d) => fc = new Linear(d, 16);

    public Tensor Forward([Shape("B, D")] Tensor x) => fc.Forward(x);
}
