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

/// <summary>A frozen model: Forward returns from inside the no-grad block.</summary>
[Model]
public partial class FrozenNet : Module
{
    readonly Linear fc = new(6, 4);

    public Tensor Forward([Shape("B, 6")] Tensor x)
    {
        using (Torch.NoGrad())
        {
            return F.Relu(fc.Forward(x));
        }
    }
}

/// <summary>A no-grad scope declared in a loop body: it ends with each iteration, and only the residual carries a gradient.</summary>
[Model]
public partial class FrozenStepsNet : Module
{
    readonly Linear fc = new(6, 6);

    public Tensor Forward([Shape("B, 6")] Tensor x)
    {
        var h = x;
        for (int i = 0; i < 2; i++)
        {
            using var _ = Torch.NoGrad();
            h = fc.Forward(h);
        }

        return h + x;
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

    [Fact]
    public void A_value_returned_from_inside_NoGrad_has_no_gradient_on_either_path()
    {
        var eager = new FrozenNet();
        var compiled = new FrozenNet();
        compiled.LoadStateDict(eager.StateDict());
        var x = Tensor.Randn([3, 6], generator: new Generator(4)).RequiresGrad_();

        CompiledDispatch.ThrowOnFallback = true;
        try
        {
            var expected = eager.Forward(x);
            var actual = ((ITensorModule)compiled).Forward(x);
            CompiledAgreement.Close(expected, actual, "output");
            Assert.False(expected.RequiresGrad);
            Assert.False(actual.RequiresGrad);
        }
        finally
        {
            CompiledDispatch.ThrowOnFallback = false;
        }
    }

    [Fact]
    public void A_no_grad_scope_in_a_loop_body_cuts_each_step_as_eager_does()
    {
        var eager = new FrozenStepsNet();
        var compiled = new FrozenStepsNet();
        compiled.LoadStateDict(eager.StateDict());

        CompiledAgreement.ForwardAndBackward(eager.Forward, compiled, Tensor.Randn([3, 6], generator: new Generator(6)), "FrozenStepsNet.CompiledBackward");

        Assert.All(eager.Parameters(), p => Assert.Null(p.Grad));
        Assert.All(compiled.Parameters(), p => Assert.Null(p.Grad));
    }
}
