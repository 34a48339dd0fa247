using DeepGen.Compiled;

namespace DeepGen.Tests.Compiled;

/// <summary>A model that joins tensors with cat (on the feature dim and the batch dim) and stack.</summary>
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
        var rows = Tensor.Cat(y, head.Forward(joined * 0.5).Sigmoid());  // [2*B, 3]
        return votes.Sum(1) * 0.5 + rows.Sum(0);
    }
}

/// <summary>The compiled cat and stack (forward and backward) against the eager path, as CompiledVsEagerTests does for the examples.</summary>
[Collection(nameof(CompiledDispatch))]
public class JoinCompiledTests
{
    [Fact]
    public void Compiled_cat_and_stack_agree_with_eager_on_outputs_and_gradients()
    {
        Torch.ManualSeed(5);
        var eager = new JoinNet();
        var compiled = new JoinNet();
        compiled.LoadStateDict(eager.StateDict());
        var data = Tensor.Randn([4, 6], generator: new Generator(9));
        var xe = data.Clone().RequiresGrad_();
        var xc = data.Clone().RequiresGrad_();

        CompiledDispatch.ThrowOnFallback = true;
        try
        {
            var expected = eager.Forward(xe);
            var actual = ((ITensorModule)compiled).Forward(xc);
            Assert.Null(CompiledDispatch.LastFallback);
            Assert.Equal("JoinNet.CompiledBackward", actual.GradFn!.Name);
            Close(expected, actual, "output");
            (expected * expected).Sum().Backward();
            (actual * actual).Sum().Backward();
        }
        finally
        {
            CompiledDispatch.ThrowOnFallback = false;
        }

        Close(xe.Grad!, xc.Grad!, "grad x");
        var compiledParameters = compiled.NamedParameters();
        foreach (var (key, value) in eager.NamedParameters())
            Close(value.Grad!, compiledParameters.Single(p => p.Key == key).Value.Grad!, "grad " + key);
    }

    static void Close(Tensor expected, Tensor actual, string what)
    {
        Assert.Equal(expected.ShapeArray(), actual.ShapeArray());
        var e = expected.ToArray<double>();
        var a = actual.ToArray<double>();
        double scale = Math.Max(e.Max(Math.Abs), 1e-6);
        for (int i = 0; i < e.Length; i++)
            Assert.True(Math.Abs(e[i] - a[i]) <= 1e-4 * scale, $"{what}[{i}]: eager {e[i]:R}, compiled {a[i]:R}");
    }
}
