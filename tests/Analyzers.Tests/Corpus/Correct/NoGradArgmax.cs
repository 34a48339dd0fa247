using DeepGen;

namespace Corpus;

// The cut is stated: the routing choice is computed without gradient on purpose.
[Model]
public partial class NoGradArgmax : Module
{
    readonly Linear router = new(16, 8);
    readonly Embedding experts = new(8, 16);

    public Tensor Forward([Shape("B, 16")] Tensor x)
    {
        Tensor choice;
        using (Torch.NoGrad())
        {
            choice = router.Forward(x).Argmax(-1);
        }

        return x + experts.Forward(choice) + router.Forward(x).Mean(-1, keepdim: true);
    }
}
