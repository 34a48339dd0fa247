using DeepGen.Optim;

namespace DeepGen.Tests.Optim;

public class AdamTests
{
    [Theory]
    [InlineData(0.0, false, false)]
    [InlineData(0.1, false, false)]
    [InlineData(0.0, true, false)]
    [InlineData(0.1, true, false)]
    [InlineData(0.0, false, true)]
    [InlineData(0.05, true, true)]
    public void AdamMatchesDocumentedAlgorithm(double weightDecay, bool amsgrad, bool maximize)
    {
        foreach (var dtype in new[] { DType.Float64, DType.Float32 })
        {
            OptimHarness.MatchesReference(
                ps => new Adam(ps, lr: 0.01, weightDecay: weightDecay, amsgrad: amsgrad, maximize: maximize),
                () => new AdamReference(0.01, 0.9, 0.999, 1e-8, weightDecay, amsgrad, maximize, decoupled: false),
                dtype);
            OptimHarness.MatchesReference(
                ps => new Adam(ps, lr: 0.03, betas: (0.8, 0.95), eps: 1e-3, weightDecay: weightDecay, amsgrad: amsgrad, maximize: maximize),
                () => new AdamReference(0.03, 0.8, 0.95, 1e-3, weightDecay, amsgrad, maximize, decoupled: false),
                dtype);
        }
    }

    [Theory]
    [InlineData(0.01, false, false)]
    [InlineData(0.3, false, false)]
    [InlineData(0.3, true, false)]
    [InlineData(0.0, false, false)]
    [InlineData(0.1, true, true)]
    public void AdamWMatchesDocumentedAlgorithm(double weightDecay, bool amsgrad, bool maximize)
    {
        foreach (var dtype in new[] { DType.Float64, DType.Float32 })
            OptimHarness.MatchesReference(
                ps => new AdamW(ps, lr: 0.02, betas: (0.85, 0.99), weightDecay: weightDecay, amsgrad: amsgrad, maximize: maximize),
                () => new AdamReference(0.02, 0.85, 0.99, 1e-8, weightDecay, amsgrad, maximize, decoupled: true),
                dtype);
    }

    [Fact]
    public void AdamWDefaultsToWeightDecayOfOneHundredth()
    {
        var w = Tensor.Ones(2).RequiresGrad_();
        var adamw = new AdamW([w]);
        var group = (Adam.Group)adamw.ParamGroups[0];
        Assert.Equal(0.01, group.WeightDecay);
        Assert.Equal(1e-3, group.LearningRate);
        Assert.Equal((0.9, 0.999), group.Betas);
        Assert.Equal(1e-8, group.Eps);
        Assert.Equal(0.0, ((Adam.Group)new Adam([Tensor.Ones(2).RequiresGrad_()]).ParamGroups[0]).WeightDecay);
        // with a zero gradient AdamW only decays: p *= 1 - lr * wd
        w.Grad = Tensor.Zeros(2);
        adamw.Step();
        Assert.Equal(new[] { 1 - 1e-5, 1 - 1e-5 }, w.ToArray<float>().Select(v => (double)v).ToArray(), new ToleranceComparer(1e-7));
    }

    [Fact]
    public void FirstAdamStepMovesEachWeightByAboutTheLearningRate()
    {
        // after bias correction m_hat = g and v_hat = g^2, so the first update is lr * sign(g) (up to eps)
        var w = Tensor.FromArray(new double[] { 0, 0, 0 }).RequiresGrad_();
        var adam = new Adam([w], lr: 0.1);
        w.Grad = Tensor.FromArray(new double[] { 3, -0.5, 1e-3 });
        adam.Step();
        var v = w.ToArray<double>();
        Assert.Equal(-0.1, v[0], 6);
        Assert.Equal(0.1, v[1], 6);
        Assert.Equal(-0.1, v[2], 5);
    }

    [Fact]
    public void HyperParameterErrorsNameTheOptimizerAndValue()
    {
        var w = Tensor.Zeros(3).RequiresGrad_();
        Assert.Equal("Adam: invalid learning rate: -0.001 (must be >= 0)", Assert.Throws<ArgumentException>(() => new Adam([w], lr: -1e-3)).Message);
        Assert.Contains("Adam: invalid beta parameter at index 0: 1 (must be in [0, 1))", Assert.Throws<ArgumentException>(() => new Adam([w], betas: (1.0, 0.999))).Message);
        Assert.Contains("Adam: invalid beta parameter at index 1: -0.1", Assert.Throws<ArgumentException>(() => new Adam([w], betas: (0.9, -0.1))).Message);
        Assert.Contains("Adam: invalid epsilon value: -1E-08", Assert.Throws<ArgumentException>(() => new Adam([w], eps: -1e-8)).Message);
        Assert.Contains("Adam: invalid weight_decay value: -0.5", Assert.Throws<ArgumentException>(() => new Adam([w], weightDecay: -0.5)).Message);
        Assert.Contains("AdamW: invalid learning rate: -1", Assert.Throws<ArgumentException>(() => new AdamW([w], lr: -1)).Message);
        Assert.Contains("AdamW: invalid beta parameter at index 1: 1.5", Assert.Throws<ArgumentException>(() => new AdamW([w], betas: (0.9, 1.5))).Message);
        var group = new AdamW([w]).AddParamGroup([Tensor.Zeros(2).RequiresGrad_()]);
        Assert.Contains("AdamW: invalid epsilon value: -2", Assert.Throws<ArgumentException>(() => group.Eps = -2).Message);
    }
}
