using DeepGen.Optim;

namespace DeepGen.Tests.Optim;

public class SGDTests
{
    [Theory]
    [InlineData(0.0, 0.0, 0.0, false, false)]
    [InlineData(0.9, 0.0, 0.0, false, false)]
    [InlineData(0.9, 0.5, 0.0, false, false)]
    [InlineData(0.9, 0.0, 0.0, true, false)]
    [InlineData(0.8, 0.0, 0.1, true, false)]
    [InlineData(0.0, 0.0, 0.05, false, false)]
    [InlineData(0.7, 0.3, 0.05, false, false)]
    [InlineData(0.0, 0.0, 0.0, false, true)]
    [InlineData(0.9, 0.0, 0.0, true, true)]
    [InlineData(0.9, 0.2, 0.1, false, true)]
    public void MatchesDocumentedAlgorithm(double momentum, double dampening, double weightDecay, bool nesterov, bool maximize)
    {
        foreach (var dtype in new[] { DType.Float64, DType.Float32 })
            OptimHarness.MatchesReference(
                ps => new SGD(ps, lr: 0.05, momentum, dampening, weightDecay, nesterov, maximize),
                () => new SgdReference(0.05, momentum, dampening, weightDecay, nesterov, maximize),
                dtype);
    }

    [Fact]
    public void FirstStepSetsTheBufferToTheGradientWithoutDampening()
    {
        var w = Tensor.FromArray(new double[] { 1, 2 }).RequiresGrad_();
        var sgd = new SGD([w], lr: 0.1, momentum: 0.9, dampening: 0.5);
        w.Grad = Tensor.FromArray(new double[] { 1, -1 });
        sgd.Step();
        Assert.Equal(new[] { 0.9, 2.1 }, w.ToArray<double>(), new ToleranceComparer(1e-15));
        Assert.Equal(new double[] { 1, -1 }, sgd.StateDict().Tensors["state.0.momentum_buffer"].ToArray<double>());
        sgd.Step();
        // b = 0.9 * b + 0.5 * g = 1.4 * g
        Assert.Equal(new[] { 0.9 - 0.14, 2.1 + 0.14 }, w.ToArray<double>(), new ToleranceComparer(1e-15));
    }

    [Fact]
    public void MaximizeWithWeightDecayStillShrinksTheWeights()
    {
        // PyTorch's implementation negates the gradient before adding weight decay
        var w = Tensor.FromArray(new double[] { 2 }).RequiresGrad_();
        var sgd = new SGD([w], lr: 0.1, weightDecay: 0.5, maximize: true);
        w.Grad = Tensor.FromArray(new double[] { 1 });
        sgd.Step();
        Assert.Equal(2 - 0.1 * (-1 + 0.5 * 2), w.ToArray<double>()[0], 15);
    }

    [Fact]
    public void ParamGroupsHaveTheirOwnHyperParameters()
    {
        var a = Tensor.FromArray(new double[] { 1, 1 }).RequiresGrad_();
        var b = Tensor.FromArray(new double[] { 1, 1 }).RequiresGrad_();
        var sgd = new SGD([a], lr: 0.1, momentum: 0.9);
        var group = sgd.AddParamGroup([b]);
        Assert.Equal(0.1, group.LearningRate);
        Assert.Equal(0.9, group.Momentum);
        group.LearningRate = 0.5;
        group.Momentum = 0;
        Assert.Equal(2, sgd.ParamGroups.Count);
        a.Grad = Tensor.FromArray(new double[] { 1, 2 });
        b.Grad = Tensor.FromArray(new double[] { 1, 2 });
        var refA = new SgdReference(0.1, momentum: 0.9);
        var refB = new SgdReference(0.5);
        double[] va = [1, 1], vb = [1, 1];
        for (int i = 0; i < 3; i++)
        {
            sgd.Step();
            refA.Step(va, [1, 2]);
            refB.Step(vb, [1, 2]);
        }
        Assert.Equal(va, a.ToArray<double>(), new ToleranceComparer(1e-14));
        Assert.Equal(vb, b.ToArray<double>(), new ToleranceComparer(1e-14));
    }

    [Fact]
    public void HyperParameterErrorsNameTheOptimizerAndValue()
    {
        var w = Tensor.Zeros(3).RequiresGrad_();
        Assert.Equal("SGD: invalid learning rate: -0.1 (must be >= 0)", Assert.Throws<ArgumentException>(() => new SGD([w], lr: -0.1)).Message);
        Assert.Contains("SGD: invalid momentum value: -0.5", Assert.Throws<ArgumentException>(() => new SGD([w], lr: 0.1, momentum: -0.5)).Message);
        Assert.Contains("SGD: invalid weight_decay value: -1", Assert.Throws<ArgumentException>(() => new SGD([w], lr: 0.1, weightDecay: -1)).Message);
        Assert.Contains("SGD: invalid learning rate: nan", Assert.Throws<ArgumentException>(() => new SGD([w], lr: double.NaN)).Message);
        var e = Assert.Throws<ArgumentException>(() => new SGD([w], lr: 0.1, nesterov: true));
        Assert.Contains("SGD: Nesterov momentum requires a momentum and zero dampening (momentum 0, dampening 0)", e.Message);
        e = Assert.Throws<ArgumentException>(() => new SGD([w], lr: 0.1, momentum: 0.9, dampening: 0.1, nesterov: true));
        Assert.Contains("Nesterov momentum requires a momentum and zero dampening (momentum 0.9, dampening 0.1)", e.Message);

        var sgd = new SGD([w], lr: 0.1, momentum: 0.9, nesterov: true);
        var group = (SGD.Group)sgd.ParamGroups[0];
        Assert.Contains("SGD: invalid learning rate: -1", Assert.Throws<ArgumentException>(() => group.LearningRate = -1).Message);
        group.Momentum = 0; // checked at the next step, when the combination takes effect
        w.Grad = Tensor.Zeros(3);
        Assert.Contains("Nesterov momentum requires a momentum", Assert.Throws<ArgumentException>(sgd.Step).Message);
    }
}

/// <summary>Compares doubles with an absolute tolerance (for Assert.Equal on arrays).</summary>
internal sealed class ToleranceComparer(double tolerance) : IEqualityComparer<double>
{
    public bool Equals(double x, double y) => Math.Abs(x - y) <= tolerance;

    public int GetHashCode(double obj) => 0;
}
