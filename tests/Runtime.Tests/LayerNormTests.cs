using static DeepGen.Tests.ReferenceData;

namespace DeepGen.Tests;

public class LayerNormTests
{
    /// <summary>Layer norm over the last <paramref name="d"/> elements of each row, by the textbook formula.</summary>
    static double[] RefLayerNorm(double[] x, int d, double[]? w, double[]? b, double eps)
    {
        var y = new double[x.Length];
        for (int r = 0; r < x.Length / d; r++)
        {
            var row = x.AsSpan(r * d, d).ToArray();
            double mean = row.Average();
            double var = row.Sum(v => (v - mean) * (v - mean)) / d;
            for (int j = 0; j < d; j++)
                y[r * d + j] = (row[j] - mean) / Math.Sqrt(var + eps) * (w?[j] ?? 1) + (b?[j] ?? 0);
        }
        return y;
    }

    [Fact]
    public void LayerNormMatchesReference()
    {
        var cases = new (int[] Shape, int[] Normalized)[] { ([1, 1], [1]), ([7, 33], [33]), ([3, 5, 4], [5, 4]), ([3, 5, 4], [4]), ([5], [5]) };
        foreach (var dtype in FloatTypes)
            foreach (var (shape, normalized) in cases)
            {
                int n = shape.Aggregate(1, (a, b) => a * b), d = normalized.Aggregate(1, (a, b) => a * b);
                var (x, xs) = Make(Values(n, n, scale: 5).Select(v => v + 10).ToArray(), shape, dtype);
                var (w, ws) = Make(Values(d, d + 1), normalized, dtype);
                var (b, bs) = Make(Values(d, d + 2), normalized, dtype);
                foreach (var eps in new[] { 1e-5, 0.1 })
                {
                    var y = F.LayerNorm(x, normalized, w, b, eps);
                    Assert.Equal(shape, y.ShapeArray());
                    Assert.Equal(dtype, y.DType);
                    AssertClose(RefLayerNorm(xs, d, ws, bs, eps), y, Tolerance(dtype) * 10);
                    AssertClose(RefLayerNorm(xs, d, null, null, eps), F.LayerNorm(x, normalized, eps: eps), Tolerance(dtype) * 10);
                    AssertClose(RefLayerNorm(xs, d, ws, null, eps), F.LayerNorm(x, normalized, w, eps: eps), Tolerance(dtype) * 10);
                    AssertClose(RefLayerNorm(xs, d, null, bs, eps), F.LayerNorm(x, normalized, bias: b, eps: eps), Tolerance(dtype) * 10);
                }
            }
    }

    [Fact]
    public void LayerNormUsesTheBiasedVarianceAndNormalisesAStridedInput()
    {
        var x = Tensor.FromArray(new double[] { 1, 2, 3, 4, 6, 8 }, 2, 3);
        // row [1, 2, 3]: mean 2, biased variance 2/3; row [4, 6, 8]: mean 6, biased variance 8/3
        double s = 1 / Math.Sqrt(2.0 / 3 + 1e-5), s2 = 2 / Math.Sqrt(8.0 / 3 + 1e-5);
        AssertClose(new[] { -s, 0, s, -s2, 0, s2 }, F.LayerNorm(x, [3]), 1e-12);
        var t = x.T;  // [3, 2], columns of x
        AssertClose(F.LayerNorm(t.Contiguous(), [2]).ToArray<double>(), F.LayerNorm(t, [2]), 1e-15);
    }

    [Fact]
    public void LayerNormGradients()
    {
        var x = GradCheck.Leaf(3, 5, 4);
        var w = GradCheck.Leaf(5, 4);
        var b = GradCheck.Leaf(4);
        var w1 = GradCheck.Leaf(4);
        GradCheck.Check(t => F.LayerNorm(t[0], [5, 4], t[1]), x, w);
        GradCheck.Check(t => F.LayerNorm(t[0], [4], t[1], t[2], eps: 0.5), x, w1, b);
        GradCheck.Check(t => F.LayerNorm(t[0], [4]), x);
        GradCheck.Check(t => F.LayerNorm(t[0], [4], bias: t[1]), x, b);
        // strided input: the transposed view is normalised over its own last dim
        GradCheck.Check(t => F.LayerNorm(t[0].Transpose(1, 2), [5], t[1], t[2]), x, GradCheck.Leaf(5), GradCheck.PositiveLeaf(0.5, 2, 5));
        // broadcast input
        GradCheck.Check(t => F.LayerNorm(t[0].Unsqueeze(0).Expand(2, 7, 33), [33], t[1]), GradCheck.Leaf(7, 33), GradCheck.Leaf(33));
    }

    [Fact]
    public void LayerNormGradientToWeightOnly()
    {
        var x = Tensor.FromArray(Values(12, 9), 3, 4);
        var w = GradCheck.Leaf(4);
        GradCheck.Check(t => F.LayerNorm(t[0], [4], t[1]), x, w);
    }

    [Fact]
    public void LayerNormErrors()
    {
        var x = Tensor.Zeros(3, 4);
        var s = Assert.Throws<ArgumentException>(() => F.LayerNorm(x, [5]));
        Assert.Equal("layer_norm: normalized_shape [5] expects an input of shape [*, 5], but got an input of shape [3, 4]", s.Message);
        var r = Assert.Throws<ArgumentException>(() => F.LayerNorm(x, [2, 3, 4]));
        Assert.Equal("layer_norm: normalized_shape [2, 3, 4] expects an input of shape [*, 2, 3, 4], but got an input of shape [3, 4]", r.Message);
        var w = Assert.Throws<ArgumentException>(() => F.LayerNorm(x, [4], Tensor.Ones(3)));
        Assert.Equal("layer_norm: expected weight to have the normalized shape [4], but got weight of shape [3] (input shape [3, 4])", w.Message);
        var b = Assert.Throws<ArgumentException>(() => F.LayerNorm(x, [4], Tensor.Ones(4), Tensor.Ones(1, 4)));
        Assert.Equal("layer_norm: expected bias to have the normalized shape [4], but got bias of shape [1, 4] (input shape [3, 4])", b.Message);
        var t = Assert.Throws<ArgumentException>(() => F.LayerNorm(x, [4], Tensor.Ones([4], DType.Float64)));
        Assert.Equal("layer_norm: weight has dtype float64 but the input has dtype float32", t.Message);
        var e = Assert.Throws<ArgumentException>(() => F.LayerNorm(x, []));
        Assert.Equal("layer_norm: normalized_shape must have at least one dimension, got []", e.Message);
    }
}
