using static DeepGen.Tests.ReferenceData;

namespace DeepGen.Tests;

public class SoftmaxTests
{
    /// <summary>Softmax along <paramref name="dim"/> by plain loops over every line of that dim.</summary>
    static double[] RefSoftmax(double[] x, int[] shape, int dim, bool log)
    {
        int outer = shape[..dim].Aggregate(1, (a, b) => a * b), size = shape[dim], inner = shape[(dim + 1)..].Aggregate(1, (a, b) => a * b);
        var y = new double[x.Length];
        for (int o = 0; o < outer; o++)
            for (int k = 0; k < inner; k++)
            {
                int Index(int j) => (o * size + j) * inner + k;
                double max = double.NegativeInfinity;
                for (int j = 0; j < size; j++) max = Math.Max(max, x[Index(j)]);
                double sum = 0;
                for (int j = 0; j < size; j++) sum += Math.Exp(x[Index(j)] - max);
                for (int j = 0; j < size; j++)
                    y[Index(j)] = log ? x[Index(j)] - max - Math.Log(sum) : Math.Exp(x[Index(j)] - max) / sum;
            }
        return y;
    }

    [Fact]
    public void SoftmaxAndLogSoftmaxMatchReference()
    {
        foreach (var dtype in FloatTypes)
            foreach (var shape in new[] { new[] { 1, 1 }, [7, 33], [3, 5, 4], [33] })
            {
                int n = shape.Aggregate(1, (a, b) => a * b);
                var (x, xs) = Make(Values(n, n, scale: 4), shape, dtype);
                for (int dim = 0; dim < shape.Length; dim++)
                {
                    var y = x.Softmax(dim);
                    Assert.Equal(dtype, y.DType);
                    Assert.Equal(shape, y.ShapeArray());
                    AssertClose(RefSoftmax(xs, shape, dim, log: false), y, Tolerance(dtype));
                    AssertClose(RefSoftmax(xs, shape, dim, log: true), x.LogSoftmax(dim), Tolerance(dtype));
                    AssertClose(RefSoftmax(xs, shape, dim, log: true), F.LogSoftmax(x, dim - shape.Length), Tolerance(dtype));
                    AssertClose(RefSoftmax(xs, shape, dim, log: false), F.Softmax(x, dim - shape.Length), Tolerance(dtype));
                }
            }
    }

    [Fact]
    public void SoftmaxOfAStridedViewUsesTheViewsLayout()
    {
        var x = Tensor.FromArray(Values(12, 3), 3, 4);
        var expected = x.T.Contiguous().Softmax(1).ToArray<double>();
        Assert.Equal(expected, x.T.Softmax(1).ToArray<double>());
        Assert.Equal(x.T.Contiguous().LogSoftmax(0).ToArray<double>(), x.T.LogSoftmax(0).ToArray<double>());
    }

    [Fact]
    public void SoftmaxIsStableForLargeLogits()
    {
        foreach (var dtype in FloatTypes)
        {
            var x = Tensor.FromArray(new double[] { 1000, 1000, -1000, -1000, -1000, 0 }, 2, 3).To(dtype);
            AssertClose(new double[] { 0.5, 0.5, 0, 0, 0, 1 }, x.Softmax(1), 1e-7);
            var log = x.LogSoftmax(1).ToArray<double>();
            Assert.All(log, v => Assert.True(double.IsFinite(v)));
            AssertClose(new[] { -Math.Log(2), -Math.Log(2), -2000 - Math.Log(2), -1000, -1000, 0 }, x.LogSoftmax(1), 1e-7);
        }
        // a row of -inf has no finite max: NaN, as in PyTorch
        var inf = Tensor.FromArray(new[] { double.NegativeInfinity, double.NegativeInfinity });
        Assert.All(inf.Softmax(0).ToArray<double>(), v => Assert.True(double.IsNaN(v)));
        var partly = Tensor.FromArray(new[] { double.NegativeInfinity, 0.0 });
        Assert.Equal(new double[] { 0, 1 }, partly.Softmax(0).ToArray<double>());
    }

    [Fact]
    public void SoftmaxOfAScalarIsOne()
    {
        Assert.Equal(1.0, Tensor.Scalar(3.5, DType.Float64).Softmax(0).Item<double>());
        Assert.Equal(0.0, Tensor.Scalar(3.5, DType.Float64).LogSoftmax(-1).Item<double>());
    }

    [Fact]
    public void SoftmaxGradients()
    {
        var x = GradCheck.Leaf(3, 5, 4);
        for (int dim = -3; dim < 3; dim++)
        {
            int d = dim;
            GradCheck.Check(t => t[0].Softmax(d), x);
            GradCheck.Check(t => t[0].LogSoftmax(d), x);
        }
        GradCheck.Check(t => t[0].Transpose(0, 2).Softmax(1), x);
        GradCheck.Check(t => t[0].Permute(2, 0, 1).LogSoftmax(-1), x);
        GradCheck.Check(t => t[0].Unsqueeze(0).Expand(2, 7, 33).Softmax(2), GradCheck.Leaf(7, 33));
        GradCheck.Check(t => F.LogSoftmax(t[0][.., 1..], 1), GradCheck.Leaf(7, 33));
        // the upstream gradient of a later op reaches the softmax through a non-contiguous view too
        GradCheck.Check(t => t[0].Softmax(0).T * 2.0, GradCheck.Leaf(1, 1));
    }

    [Fact]
    public void SoftmaxBackwardFailsWhenTheOutputWasModifiedInPlace()
    {
        var x = GradCheck.Leaf(4);
        var y = x.Softmax(0);
        var loss = y.Sum();
        using (Torch.NoGrad()) y.Mul_(2.0);
        var e = Assert.Throws<InvalidOperationException>(() => loss.Backward());
        Assert.StartsWith("softmax: one of the tensors needed for gradient computation has been modified by an in-place operation", e.Message);
    }

    [Fact]
    public void SoftmaxErrors()
    {
        var d = Assert.Throws<ArgumentOutOfRangeException>(() => Tensor.Zeros(2, 3).Softmax(2));
        Assert.StartsWith("softmax: dimension 2 is out of range for a tensor of rank 2 (expected -2..1)", d.Message);
        var l = Assert.Throws<ArgumentOutOfRangeException>(() => Tensor.Zeros(2, 3).LogSoftmax(-3));
        Assert.StartsWith("log_softmax: dimension -3 is out of range for a tensor of rank 2", l.Message);
        var t = Assert.Throws<NotSupportedException>(() => Tensor.Arange(3).Softmax(0));
        Assert.Equal("softmax: not implemented for dtype int64", t.Message);
    }
}
