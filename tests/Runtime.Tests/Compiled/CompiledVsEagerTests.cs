using DeepGen.Benchmarks.Compare;
using DeepGen.Compiled;
using DeepGen.Examples.FashionMnist;

namespace DeepGen.Tests.Compiled;

/// <summary>
/// The Fashion-MNIST models as the generator compiles them in this project: the compiled path
/// (<c>ITensorModule.Forward</c>) against the user's eager <c>Forward</c> on a copy of the same weights,
/// in train and eval mode, under an eager loss: outputs, every parameter's gradient, and batch norm's
/// running statistics agree within 1e-4 of the largest magnitude (float32).
/// </summary>
[Collection(nameof(CompiledDispatch))]
public class CompiledVsEagerTests
{
    static (Module Eager, Module Compiled) Pair(Func<Module> create)
    {
        var eager = create();
        var compiled = create();
        compiled.LoadStateDict(eager.StateDict());
        return (eager, compiled);
    }

    /// <summary>The user's own Forward: the eager path.</summary>
    static Tensor Eager(Module model, Tensor x) => model switch
    {
        Mlp m => m.Forward(x),
        ConvNet c => c.Forward(x),
        CompiledTransformerBlock t => t.Forward(x),
        _ => throw new ArgumentException(model.GetType().Name),
    };

    static void Close(Tensor expected, Tensor actual, string what) => CompiledAgreement.Close(expected, actual, what);

    public static TheoryData<string, bool> Cases() => new() { { "Mlp", true }, { "Mlp", false }, { "ConvNet", true }, { "ConvNet", false } };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Compiled_and_eager_agree_on_outputs_gradients_and_running_statistics(string name, bool training)
    {
        var (eager, compiled) = Pair(name == "Mlp" ? () => new Mlp() : () => new ConvNet());
        eager.Train(training);
        compiled.Train(training);
        var target = Tensor.FromArray(new long[] { 1, 3, 5, 7, 9 });

        for (int step = 0; step < 2; step++)
        {
            var x = Tensor.Randn([5, 1, 28, 28], generator: new Generator(7 + (ulong)step));
            eager.ZeroGrad();
            compiled.ZeroGrad();
            CompiledDispatch.ThrowOnFallback = true;
            try
            {
                // the same seed for both, so dropout drops the same elements
                Torch.ManualSeed(11);
                var expected = Eager(eager, x);
                Torch.ManualSeed(11);
                var actual = ((ITensorModule)compiled).Forward(x);
                Assert.Null(CompiledDispatch.LastFallback);
                // the MLP computes the same in both modes, so one compiled graph serves both
                string node = name == "Mlp" ? "Mlp.CompiledBackward" : training ? "ConvNet.CompiledTrainBackward" : "ConvNet.CompiledEvalBackward";
                Assert.Equal(node, actual.GradFn!.Name);
                Close(expected, actual, "output");
                F.CrossEntropy(expected, target).Backward();
                F.CrossEntropy(actual, target).Backward();
            }
            finally
            {
                CompiledDispatch.ThrowOnFallback = false;
            }

            CompiledAgreement.SameGradientsAndState(eager, compiled);
        }
    }

    public static TheoryData<string, bool> NoGradCases() => new()
    {
        { "Mlp", true }, { "Mlp", false }, { "ConvNet", true }, { "ConvNet", false }, { "Transformer", true }, { "Transformer", false },
    };

    /// <summary>
    /// Under <c>Torch.NoGrad()</c> the compiled path runs its forward without saved values (the no-grad
    /// forward, whose kernels write only what the output needs and reuse more buffers): same output as eager.
    /// </summary>
    [Theory]
    [MemberData(nameof(NoGradCases))]
    public void The_no_grad_forward_agrees_with_eager(string name, bool training)
    {
        Torch.ManualSeed(5);
        var (eager, compiled) = Pair(name switch
        {
            "Mlp" => () => new Mlp(),
            "ConvNet" => () => new ConvNet(),
            _ => () => new CompiledTransformerBlock(),
        });
        eager.Train(training);
        compiled.Train(training);
        var x = name == "Transformer" ? Tensor.Randn([2, 37, 256], generator: new Generator(8)) : Tensor.Randn([5, 1, 28, 28], generator: new Generator(7));
        CompiledDispatch.ThrowOnFallback = true;
        try
        {
            using (Torch.NoGrad())
            {
                Torch.ManualSeed(11);
                var expected = Eager(eager, x);
                Torch.ManualSeed(11);
                long calls = CompiledDispatch.CompiledCalls;
                var actual = ((ITensorModule)compiled).Forward(x);
                Assert.Equal(calls + 1, CompiledDispatch.CompiledCalls);
                Assert.Null(actual.GradFn);
                Close(expected, actual, "output");
                // batch norm's running statistics in train mode
                var compiledState = compiled.StateDict();
                foreach (var (key, value) in eager.StateDict())
                    Close(value, compiledState[key], key);
                // again in eval mode: a second call must not see buffers the first one wrote into
                eager.Eval();
                compiled.Eval();
                Close(Eager(eager, x), ((ITensorModule)compiled).Forward(x), "output of a second call");
            }
        }
        finally
        {
            CompiledDispatch.ThrowOnFallback = false;
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void The_transformer_block_with_fused_causal_attention_runs_compiled_and_agrees_with_eager(bool training)
    {
        Torch.ManualSeed(5);
        var (eager, compiled) = Pair(() => new CompiledTransformerBlock());
        eager.Train(training);
        compiled.Train(training);
        // T = 37: more than one block of query rows, not a multiple of the vector width
        var x = Tensor.Randn([2, 37, 256], generator: new Generator(8));
        var lossWeights = Tensor.Randn([2, 37, 256], generator: new Generator(9));
        CompiledDispatch.ThrowOnFallback = true;
        try
        {
            var expected = Eager(eager, x);
            var actual = ((ITensorModule)compiled).Forward(x);
            Assert.Null(CompiledDispatch.LastFallback);
            Assert.Equal("CompiledTransformerBlock.CompiledBackward", actual.GradFn!.Name);
            Close(expected, actual, "output");
            (expected * lossWeights).Sum().Backward();
            (actual * lossWeights).Sum().Backward();
        }
        finally
        {
            CompiledDispatch.ThrowOnFallback = false;
        }

        var compiledParameters = compiled.NamedParameters();
        Assert.Equal(16, compiledParameters.Count);
        foreach (var (key, value) in eager.NamedParameters())
            Close(value.Grad!, compiledParameters.Single(p => p.Key == key).Value.Grad!, "grad " + key);
    }

    [Fact]
    public void A_compiled_model_inside_sequential_composes_with_eager_code()
    {
        Torch.ManualSeed(3);
        var mlp = new Mlp();
        var eagerMlp = new Mlp();
        eagerMlp.LoadStateDict(mlp.StateDict());
        var head = new Linear(10, 3);
        var model = new Sequential(mlp, head);
        var x = Tensor.Randn([4, 1, 28, 28], generator: new Generator(4));
        var scale = Tensor.Scalar(0.5).RequiresGrad_();
        var eagerScale = Tensor.Scalar(0.5).RequiresGrad_();

        // eager op -> compiled model -> eager layer -> eager loss
        model.Forward(x * scale).Square().Sum().Backward();
        Assert.Null(CompiledDispatch.LastFallback);
        var headGrad = head.Weight.Grad!.Clone();
        head.ZeroGrad();
        head.Forward(eagerMlp.Forward(x * eagerScale)).Square().Sum().Backward();

        Close(head.Weight.Grad!, headGrad, "the eager layer after the compiled model");
        Close(eagerScale.Grad!, scale.Grad!, "the eager input before the compiled model");
        Close(eagerMlp.NamedParameters()[0].Value.Grad!, mlp.NamedParameters()[0].Value.Grad!, "fc1.weight");
    }

    [Fact]
    public void A_wrong_input_shape_falls_back_to_eager_with_the_guard_message()
    {
        var model = new Mlp();
        var x = Tensor.Randn([2, 784]);

        var y = ((ITensorModule)model).Forward(x.Reshape(2, 1, 784, 1).Reshape(2, 784, 1, 1));

        Assert.Equal("Mlp: x has shape [2, 784, 1, 1], compiled for [B, 1, 28, 28]: dim 1 is 784, not 1", CompiledDispatch.LastFallback);
        Assert.Equal(new[] { 2, 10 }, y.ShapeArray());
    }
}
