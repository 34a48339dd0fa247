using DeepGen;

namespace Corpus;

[Model]
public partial class SymbolicTwoSizes : Module
{
    readonly Linear encode;
    readonly Linear decode;

    public SymbolicTwoSizes(int inputs, int hidden)
    {
        encode = new Linear(inputs, hidden);
        decode = new Linear(hidden, inputs);
    }

    public Tensor Forward([Shape("B, N")] Tensor x) => decode.Forward(F.Tanh(encode.Forward(x)));
}
