using DeepGen.Optim;

namespace DeepGen.Tests.Optim;

public class StateDictTests
{
    static Tensor[] Params() =>
    [
        Tensor.FromArray(new double[] { 0.5, -1, 2 }).RequiresGrad_(),
        Tensor.FromArray(new double[] { 1, 2, 3, 4 }, 2, 2).RequiresGrad_(),
    ];

    static void SetGrads(Tensor[] ps, int step)
    {
        ps[0].Grad = Tensor.FromArray(new double[] { 1 + step, -2, 0.5 * step });
        ps[1].Grad = step % 2 == 0 ? Tensor.FromArray(new double[] { 0.1, 0.2, -0.3, step }, 2, 2) : null;
    }

    [Fact]
    public void AdamStateDictHasPyTorchKeysAndIsACopy()
    {
        var ps = Params();
        var adam = new Adam(ps, lr: 0.01, amsgrad: true);
        for (int step = 0; step < 3; step++)
        {
            SetGrads(ps, step);
            adam.Step();
        }
        var sd = adam.StateDict();
        Assert.Equal(3, sd.Scalars["state.0.step"]);
        Assert.Equal(2, sd.Scalars["state.1.step"]); // parameter 1 had no gradient at step 1
        Assert.Equal(0.01, sd.Scalars["param_groups.0.lr"]);
        Assert.Equal(0.9, sd.Scalars["param_groups.0.betas.0"]);
        Assert.Equal(0.999, sd.Scalars["param_groups.0.betas.1"]);
        Assert.Equal(1e-8, sd.Scalars["param_groups.0.eps"]);
        Assert.Equal(1, sd.Scalars["param_groups.0.amsgrad"]);
        Assert.Equal(0, sd.Scalars["param_groups.0.weight_decay"]);
        Assert.Equal(new long[] { 0, 1 }, sd.Tensors["param_groups.0.params"].ToArray<long>());
        Assert.Equal(new[] { 2, 2 }, sd.Tensors["state.1.exp_avg"].ShapeArray());
        Assert.True(sd.Tensors.ContainsKey("state.0.exp_avg_sq"));
        Assert.True(sd.Tensors.ContainsKey("state.0.max_exp_avg_sq"));

        var saved = sd.Tensors["state.0.exp_avg"].ToArray<double>();
        SetGrads(ps, 3);
        adam.Step();
        Assert.Equal(saved, sd.Tensors["state.0.exp_avg"].ToArray<double>());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public void LoadedOptimizerContinuesExactlyLikeTheOriginal(int which)
    {
        Optimizer Make(Tensor[] ps) => which switch
        {
            0 => new SGD(ps, lr: 0.1, momentum: 0.9, dampening: 0.1, weightDecay: 0.01),
            1 => new Adam(ps, lr: 0.05, betas: (0.8, 0.9), amsgrad: true),
            _ => new AdamW(ps, lr: 0.05, weightDecay: 0.1),
        };
        var original = Params();
        var optimizer = Make(original);
        for (int step = 0; step < 3; step++)
        {
            SetGrads(original, step);
            optimizer.Step();
        }
        optimizer.ParamGroups[0].LearningRate = 0.02;

        // a fresh optimizer with different hyper-parameters takes everything from the state dict
        var copy = original.Select(p => p.Detach().Clone().RequiresGrad_()).ToArray();
        Optimizer restored = which == 0 ? new SGD(copy, lr: 1) : which == 1 ? new Adam(copy, lr: 1) : new AdamW(copy, lr: 1);
        restored.LoadStateDict(optimizer.StateDict());
        Assert.Equal(0.02, restored.ParamGroups[0].LearningRate);

        for (int step = 3; step < 6; step++)
        {
            SetGrads(original, step);
            SetGrads(copy, step);
            optimizer.Step();
            restored.Step();
            for (int k = 0; k < original.Length; k++)
                Assert.Equal(original[k].ToArray<double>(), copy[k].ToArray<double>());
        }
    }

    [Fact]
    public void LoadConvertsBuffersToTheParameterDType()
    {
        var p64 = Params();
        var adam = new Adam(p64);
        SetGrads(p64, 0);
        adam.Step();
        var p32 = p64.Select(p => p.Detach().Float().RequiresGrad_()).ToArray();
        var adam32 = new Adam(p32);
        adam32.LoadStateDict(adam.StateDict());
        Assert.Equal(DType.Float32, adam32.StateDict().Tensors["state.0.exp_avg"].DType);
    }

    [Fact]
    public void LoadErrorsLeaveTheOptimizerUnchanged()
    {
        var ps = Params();
        var sgd = new SGD(ps, lr: 0.1, momentum: 0.9);
        SetGrads(ps, 0);
        sgd.Step();
        var good = sgd.StateDict();

        var twoGroups = new SGD([ps[0]], lr: 0.1);
        twoGroups.AddParamGroup([ps[1]]);
        Assert.Equal("SGD: the loaded state dict has 1 parameter groups, the optimizer has 2",
            Assert.Throws<ArgumentException>(() => twoGroups.LoadStateDict(good)).Message);

        var smaller = new SGD([ps[0]], lr: 0.1);
        Assert.Equal("SGD: parameter group 0 of the loaded state dict has params of shape [2] (int64), the optimizer's group has 1 parameters",
            Assert.Throws<ArgumentException>(() => smaller.LoadStateDict(good)).Message);

        var swapped = new SGD([ps[1], ps[0]], lr: 0.3);
        var e = Assert.Throws<ArgumentException>(() => swapped.LoadStateDict(good));
        Assert.Equal("SGD: 'state.0.momentum_buffer' has shape [3], its parameter has shape [2, 2]", e.Message);
        Assert.Equal(0.3, swapped.ParamGroups[0].LearningRate);

        var missing = sgd.StateDict();
        missing.Scalars.Remove("param_groups.0.momentum");
        Assert.Equal("SGD: the state dict has no scalar 'param_groups.0.momentum'",
            Assert.Throws<KeyNotFoundException>(() => new SGD(ps.Select(p => p.Detach().Clone().RequiresGrad_()), lr: 0.1).LoadStateDict(missing)).Message);

        var bad = sgd.StateDict();
        bad.Scalars["param_groups.0.lr"] = -1;
        Assert.Contains("SGD: invalid learning rate: -1", Assert.Throws<ArgumentException>(() => sgd.LoadStateDict(bad)).Message);
        Assert.Equal(0.1, sgd.ParamGroups[0].LearningRate);
    }
}
