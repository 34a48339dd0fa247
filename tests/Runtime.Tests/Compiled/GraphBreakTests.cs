using DeepGen.Compiled;

namespace DeepGen.Tests.Compiled;

/// <summary>
/// Models split at a graph break (GatedModels.cs) as the generator compiles them here: compiled regions
/// around the eager statements, against the user's eager Forward on a copy of the same weights, in train
/// and eval mode, with both outcomes of the branch: outputs, every parameter's gradient and batch norm's
/// running statistics agree within 1e-4 of the largest magnitude (float32).
/// </summary>
[Collection(nameof(CompiledDispatch))]
public class GraphBreakTests
{
    static void Close(Tensor expected, Tensor actual, string what) => CompiledAgreement.Close(expected, actual, what);

    /// <summary>Runs eager and compiled on the same input and dropout seed; returns the compiled output.</summary>
    static Tensor RunBoth(Func<Tensor, Tensor> eager, Module compiled, Tensor x, Tensor target)
    {
        long before = CompiledDispatch.CompiledCalls;
        CompiledDispatch.ThrowOnFallback = true;
        try
        {
            Torch.ManualSeed(5);
            var expected = eager(x);
            Torch.ManualSeed(5);
            var actual = ((ITensorModule)compiled).Forward(x);
            Assert.Null(CompiledDispatch.LastFallback);
            Assert.Equal(2, CompiledDispatch.CompiledCalls - before); // both regions ran compiled
            Close(expected, actual, "output");
            F.CrossEntropy(expected, target).Backward();
            F.CrossEntropy(actual, target).Backward();
            return actual;
        }
        finally
        {
            CompiledDispatch.ThrowOnFallback = false;
        }
    }

    static void SameGradientsAndState(Module eager, Module compiled) => CompiledAgreement.SameGradientsAndState(eager, compiled);

    [Theory]
    [InlineData(true, 3.0)]
    [InlineData(true, -3.0)]
    [InlineData(false, 3.0)]
    [InlineData(false, -3.0)]
    public void Gated_net_agrees_with_eager_on_both_branches(bool training, double shift)
    {
        // batch norm's bias moves the mean of h, so `shift` picks the branch
        Torch.ManualSeed(2);
        var eager = new GatedNet();
        var state = eager.StateDict();
        state["bn.bias"] = Tensor.Full([32], shift);
        eager.LoadStateDict(state);
        var compiled = new GatedNet();
        compiled.LoadStateDict(eager.StateDict());
        eager.Train(training);
        compiled.Train(training);
        var target = Tensor.FromArray(new long[] { 0, 1, 2, 3, 0, 1 });

        for (int step = 0; step < 2; step++)
        {
            var x = Tensor.Randn([6, 16], generator: new Generator(20 + (ulong)step));
            eager.ZeroGrad();
            compiled.ZeroGrad();
            var actual = RunBoth(eager.Forward, compiled, x, target);
            // the region after the branch has no batch norm or dropout: one graph serves both modes
            Assert.Equal("GatedNet.CompiledBackward1", actual.GradFn!.Name);
            SameGradientsAndState(eager, compiled);
        }
    }

    [Theory]
    [InlineData(3.0, true)]
    [InlineData(-3.0, false)]
    public void Batch_norm_bias_picks_the_branch(double shift, bool positive)
    {
        // so the theory above takes both branches: in eval mode with fresh running statistics (mean 0,
        // variance 1), h = fc(x) / sqrt(1 + eps) + shift, whose mean has the sign of shift
        Torch.ManualSeed(2);
        var state = new GatedNet().StateDict();
        var x = Tensor.Randn([6, 16], generator: new Generator(20));
        var h = F.Linear(x, state["fc.weight"], state["fc.bias"]) / Math.Sqrt(1 + 1e-5) + shift;
        Assert.Equal(positive, h.Mean().Item<float>() > 0);
    }

    [Theory]
    [InlineData(true, 0.1)]
    [InlineData(true, 5.0)]
    [InlineData(false, 0.1)]
    [InlineData(false, 5.0)]
    public void Two_eager_statements_between_two_regions_agree_with_eager(bool training, double scale)
    {
        // scale decides the second branch (x.Mean() > 1 only for scale 5 and a positive input)
        Torch.ManualSeed(4);
        var eager = new TwoBreaks();
        var compiled = new TwoBreaks();
        compiled.LoadStateDict(eager.StateDict());
        eager.Train(training);
        compiled.Train(training);
        var target = Tensor.FromArray(new long[] { 0, 1, 2, 0 });
        foreach (double sign in new[] { 1.0, -1.0 })
        {
            var x = (Tensor.Rand([4, 8], generator: new Generator(9)) * (sign * scale)).RequiresGrad_();
            var eagerX = x.Detach().RequiresGrad_();
            eager.ZeroGrad();
            compiled.ZeroGrad();
            long before = CompiledDispatch.CompiledCalls;
            CompiledDispatch.ThrowOnFallback = true;
            try
            {
                var expected = eager.Forward(eagerX);
                var actual = ((ITensorModule)compiled).Forward(x);
                Assert.Null(CompiledDispatch.LastFallback);
                Assert.Equal(2, CompiledDispatch.CompiledCalls - before); // the regions before the first break and after the second
                Close(expected, actual, "output");
                F.CrossEntropy(expected, target).Backward();
                F.CrossEntropy(actual, target).Backward();
            }
            finally
            {
                CompiledDispatch.ThrowOnFallback = false;
            }

            Close(eagerX.Grad!, x.Grad!, "grad x");
            SameGradientsAndState(eager, compiled);
        }
    }

    [Theory]
    [InlineData(-3.0)]
    [InlineData(3.0)]
    public void A_region_that_hands_two_tensors_on_agrees_with_eager(double shift)
    {
        // layer norm's bias moves the mean of gelu(norm(...)) to about 3 or about 0, so both branches run
        Torch.ManualSeed(6);
        var eager = new ResidualGate();
        var state = eager.StateDict();
        state["norm.bias"] = Tensor.Full([8], shift);
        eager.LoadStateDict(state);
        var compiled = new ResidualGate();
        compiled.LoadStateDict(eager.StateDict());
        var x = Tensor.Randn([5, 8], generator: new Generator(12));
        var target = Tensor.FromArray(new long[] { 0, 1, 2, 0, 1 });

        var actual = RunBoth(eager.Forward, compiled, x, target);

        Assert.Equal("ResidualGate.CompiledBackward1", actual.GradFn!.Name);
        SameGradientsAndState(eager, compiled);
    }
}
