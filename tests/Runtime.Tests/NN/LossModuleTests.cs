namespace DeepGen.Tests;

public class LossModuleTests
{
    [Fact]
    public void CrossEntropyLossForwardsItsOptions()
    {
        var logits = Tensor.Randn([4, 3], DType.Float64, new Generator(3));
        var target = Tensor.FromArray(new long[] { 0, 2, -100, 1 });
        var module = new CrossEntropyLoss(ignoreIndex: -100, labelSmoothing: 0.1);
        Assert.Equal(F.CrossEntropy(logits, target, null, -100, "mean", 0.1).Item<double>(), module.Forward(logits, target).Item<double>());
        var e = Assert.Throws<ArgumentException>(() => new MSELoss("avg"));
        Assert.Equal("MSELoss: reduction must be \"mean\", \"sum\" or \"none\", got \"avg\"", e.Message);
    }
}
