namespace DeepGen.Tests;

public class UnaryTests
{
    [Fact]
    public void ExpAndLogGradients()
    {
        GradCheck.Check(t => t[0].Exp(), GradCheck.Leaf(3, 2));
        GradCheck.Check(t => t[0].Log(), GradCheck.PositiveLeaf(0.5, 2, 4));
    }

    [Fact]
    public void ExpOfIntegersIsFloat32()
    {
        var e = Tensor.Arange(3).Exp();
        Assert.Equal(DType.Float32, e.DType);
        Assert.Equal(MathF.E, e.ToArray<float>()[1], 5);
    }
}
