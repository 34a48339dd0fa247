using DeepGen.Compiled;

namespace DeepGen.Tests.Compiled;

/// <summary>
/// A model written as DG0008's code fix writes it (a cut computed inside <c>using (Torch.NoGrad())</c>), plus a
/// teacher layer under <c>using var _ = Torch.NoGrad();</c>.
/// </summary>
[Model]
public partial class NoGradNet : Module
{
    readonly Linear student = new(6, 4);
    readonly Linear teacher = new(6, 4);

    [return: Shape("B, 4")]
    public Tensor Forward([Shape("B, 6")] Tensor x)
    {
        var h = student.Forward(x);
        Tensor scale;
        using (Torch.NoGrad())
        {
            scale = h.Sigmoid().Detach();
        }

        Tensor target;
        {
            using var _ = Torch.NoGrad();
            target = teacher.Forward(x).Tanh();
        }

        return h * scale + target;
    }
}

/// <summary>No-grad blocks and Detach on the compiled path against eager: values, and gradients that stop where eager's do.</summary>
[Collection(nameof(CompiledDispatch))]
public class NoGradCompiledTests
{
    [Fact]
    public void Compiled_no_grad_blocks_agree_with_eager_on_values_and_gradients()
    {
        Torch.ManualSeed(8);
        var eager = new NoGradNet();
        var compiled = new NoGradNet();
        compiled.LoadStateDict(eager.StateDict());

        CompiledAgreement.ForwardAndBackward(eager.Forward, compiled, Tensor.Randn([3, 6], generator: new Generator(2)), "NoGradNet.CompiledBackward");

        var compiledParameters = compiled.NamedParameters().ToDictionary(p => p.Key, p => p.Value);
        foreach (var (key, value) in eager.NamedParameters())
        {
            if (key.StartsWith("teacher.", StringComparison.Ordinal))
            {
                // used only under NoGrad: no gradient on either path
                Assert.Null(value.Grad);
                Assert.Null(compiledParameters[key].Grad);
            }
            else
            {
                CompiledAgreement.Close(value.Grad!, compiledParameters[key].Grad!, "grad " + key);
            }
        }
    }
}
