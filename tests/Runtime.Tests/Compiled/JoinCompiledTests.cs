using DeepGen.Compiled;

namespace DeepGen.Tests.Compiled;

/// <summary>A model that joins tensors with cat (on the feature dim and the batch dim) and stack, and slices them with narrow.</summary>
[Model]
public partial class JoinNet : Module
{
    readonly Linear up = new(6, 5);
    readonly Linear head = new(11, 3);

    [return: Shape("B, 3")]
    public Tensor Forward([Shape("B, 6")] Tensor x)
    {
        var joined = Tensor.Cat([x, F.Relu(up.Forward(x))], dim: -1);    // [B, 11]
        var y = head.Forward(joined);                                    // [B, 3]
        var votes = Tensor.Stack(new[] { y, y.Tanh() * 2 }, dim: 1);     // [B, 2, 3]
        var rows = Tensor.Cat(y, head.Forward(joined * 0.5).Sigmoid()); // [2*B, 3]
        var gated = joined.Narrow(1, 0, 3) * joined.Narrow(-1, -3, 3).Sigmoid(); // [B, 3]
        return votes.Mean(1) + rows.Mean(0) + gated;
    }
}

/// <summary>The compiled cat, stack and narrow (forward and backward) against the eager path, as CompiledVsEagerTests does for the examples.</summary>
[Collection(nameof(CompiledDispatch))]
public class JoinCompiledTests
{
    [Fact]
    public void Compiled_cat_stack_and_narrow_agree_with_eager_on_outputs_and_gradients()
    {
        Torch.ManualSeed(5);
        var eager = new JoinNet();
        var compiled = new JoinNet();
        compiled.LoadStateDict(eager.StateDict());

        CompiledAgreement.ForwardAndBackward(eager.Forward, compiled, Tensor.Randn([4, 6], generator: new Generator(9)), "JoinNet.CompiledBackward");

        var compiledParameters = compiled.NamedParameters().ToDictionary(p => p.Key, p => p.Value);
        foreach (var (key, value) in eager.NamedParameters())
            CompiledAgreement.Close(value.Grad!, compiledParameters[key].Grad!, "grad " + key);
    }
}
