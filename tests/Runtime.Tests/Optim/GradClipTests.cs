using DeepGen.Optim;

namespace DeepGen.Tests.Optim;

public class GradClipTests
{
    static Tensor WithGrad(double[] grad, params int[] shape)
    {
        var p = Tensor.Zeros(shape, DType.Float64).RequiresGrad_();
        p.Grad = Tensor.FromArray(grad, shape);
        return p;
    }

    static double PNorm(IEnumerable<double> values, double p) =>
        double.IsPositiveInfinity(p) ? values.Max(Math.Abs) : Math.Pow(values.Sum(v => Math.Pow(Math.Abs(v), p)), 1 / p);

    [Theory]
    [InlineData(2.0)]
    [InlineData(1.0)]
    [InlineData(3.0)]
    [InlineData(0.5)]
    [InlineData(double.PositiveInfinity)]
    public void ClipsToTheTotalNormOverAllGradients(double normType)
    {
        double[] g0 = [3, -4, 1, 0.5, -2, 7], g1 = [-1, 2];
        var a = WithGrad(g0, 2, 3);
        var b = WithGrad(g1, 2);
        var none = Tensor.Zeros([4], DType.Float64).RequiresGrad_(); // no gradient: ignored
        double expected = PNorm(g0.Concat(g1), normType);
        double maxNorm = expected / 4;

        double total = GradClip.ClipGradNorm([a, none, b], maxNorm, normType);
        Assert.Equal(expected, total, 12);
        double coefficient = maxNorm / (expected + 1e-6);
        Assert.Equal(g0.Select(v => v * coefficient).ToArray(), a.Grad!.ToArray<double>(), new ToleranceComparer(1e-12));
        Assert.Equal(g1.Select(v => v * coefficient).ToArray(), b.Grad!.ToArray<double>(), new ToleranceComparer(1e-12));
        Assert.Null(none.Grad);
        Assert.Equal(maxNorm, PNorm(a.Grad.ToArray<double>().Concat(b.Grad.ToArray<double>()), normType), 5);
    }

    [Fact]
    public void GradientsUnderTheLimitAreLeftAlone()
    {
        var a = WithGrad([3, 4], 2);
        int version = a.Grad!.Version;
        Assert.Equal(5, GradClip.ClipGradNorm([a], maxNorm: 10), 12);
        Assert.Equal(new double[] { 3, 4 }, a.Grad.ToArray<double>());
        Assert.Equal(version, a.Grad.Version);
        // at exactly the limit the coefficient 5 / (5 + 1e-6) is just below 1 and is applied, as in PyTorch
        GradClip.ClipGradNorm([a], maxNorm: 5);
        Assert.Equal(3 * 5 / (5 + 1e-6), a.Grad.ToArray<double>()[0], 15);
        Assert.Equal(version + 1, a.Grad.Version);
    }

    [Fact]
    public void Float32AndNonContiguousGradients()
    {
        var p = Tensor.Zeros(3, 2).RequiresGrad_();
        p.Grad = Tensor.FromArray(new float[] { 1, 2, 3, 4, 5, 6 }, 2, 3).T; // [[1, 4], [2, 5], [3, 6]]
        var grad = p.Grad;
        double total = GradClip.ClipGradNorm([p], maxNorm: 1);
        Assert.Equal(Math.Sqrt(91), total, 5);
        Assert.Same(grad, p.Grad); // clipped in place
        var clipped = p.Grad.ToArray<float>();
        double[] expected = [1, 4, 2, 5, 3, 6];
        for (int i = 0; i < 6; i++) Assert.Equal(expected[i] / Math.Sqrt(91), clipped[i], 5);
    }

    [Fact]
    public void NonFiniteNorm()
    {
        var a = WithGrad([1, double.NaN, 2], 3);
        var e = Assert.Throws<InvalidOperationException>(() => GradClip.ClipGradNorm([a], 1, errorIfNonfinite: true));
        Assert.Equal("clip_grad_norm: the total norm of order 2 for gradients from parameters is non-finite, so it cannot be clipped. " +
            "To disable this error and scale the gradients by the non-finite norm anyway, pass errorIfNonfinite: false", e.Message);
        Assert.Equal(new double[] { 1, double.NaN, 2 }, a.Grad!.ToArray<double>());
        Assert.True(double.IsNaN(GradClip.ClipGradNorm([a], 1)));
        Assert.All(a.Grad.ToArray<double>(), v => Assert.True(double.IsNaN(v)));

        var b = WithGrad([1, double.PositiveInfinity], 2);
        Assert.Contains("norm of order inf", Assert.Throws<InvalidOperationException>(() => GradClip.ClipGradNorm([b], 1, double.PositiveInfinity, errorIfNonfinite: true)).Message);
        Assert.Equal(double.PositiveInfinity, GradClip.ClipGradNorm([b], 1));
        var clipped = b.Grad!.ToArray<double>();
        Assert.Equal(0, clipped[0]); // scaled by 1 / inf
        Assert.True(double.IsNaN(clipped[1]));
    }

    [Fact]
    public void NoGradientsGiveZero()
    {
        Assert.Equal(0, GradClip.ClipGradNorm([Tensor.Zeros(2).RequiresGrad_()], 1));
        Assert.Equal(0, GradClip.ClipGradNorm([], 1));
    }

    [Fact]
    public void ClipGradValueClampsEachElement()
    {
        var a = WithGrad([-3, -0.5, 0, 0.7, 2, double.NaN], 2, 3);
        var b = Tensor.Zeros(2, 2).RequiresGrad_();
        b.Grad = Tensor.FromArray(new float[] { 5, -5, 0.25f, -1 }, 2, 2).T;
        GradClip.ClipGradValue([a, b, Tensor.Zeros(1).RequiresGrad_()], 1);
        Assert.Equal(new[] { -1, -0.5, 0, 0.7, 1, double.NaN }, a.Grad!.ToArray<double>());
        Assert.Equal(new float[] { 1, 0.25f, -1, -1 }, b.Grad.ToArray<float>());
    }

    [Fact]
    public void ClipErrors()
    {
        var a = WithGrad([1], 1);
        Assert.Equal("clip_grad_norm: maxNorm must be >= 0, got -1", Assert.Throws<ArgumentException>(() => GradClip.ClipGradNorm([a], -1)).Message);
        Assert.Equal("clip_grad_norm: normType must be positive (or infinity), got 0", Assert.Throws<ArgumentException>(() => GradClip.ClipGradNorm([a], 1, 0)).Message);
        Assert.Equal("clip_grad_value: clipValue must be >= 0, got -0.5", Assert.Throws<ArgumentException>(() => GradClip.ClipGradValue([a], -0.5)).Message);
    }
}
