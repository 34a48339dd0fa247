using DeepGen;

namespace Corpus;

[Model]
public partial class NoGradDeclaration : Module
{
    readonly Linear teacher = new(16, 16);
    readonly Linear student = new(16, 16);

    public Tensor Forward([Shape("B, 16")] Tensor x)
    {
        var prediction = student.Forward(x);
        using var _ = Torch.NoGrad();
        var target = teacher.Forward(x).Detach();
        return (prediction - target) * (prediction - target);
    }
}
