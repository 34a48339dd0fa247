using DeepGen;

namespace Corpus;

[Model]
public partial class FieldBranch : Module
{
    readonly Linear fc = new(16, 16);
    readonly bool residual;

    public FieldBranch(bool residual) => this.residual = residual;

    public Tensor Forward([Shape("B, 16")] Tensor x)
    {
        var h = F.Relu(fc.Forward(x));
        if (!residual)
        {
            return h;
        }

        return h + x;
    }
}
