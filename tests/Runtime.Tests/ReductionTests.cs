using static DeepGen.Tests.ReferenceData;

namespace DeepGen.Tests;

public class ReductionTests
{
    static readonly int[][] Shapes = [[1, 1], [7, 33], [3, 5, 4]];

    /// <summary>Every dims set worth checking for a shape: all, each single dim (also negative), and pairs.</summary>
    static IEnumerable<int[]> DimSets(int rank)
    {
        yield return [];
        for (int d = 0; d < rank; d++) yield return [d];
        yield return [-1];
        if (rank == 3) { yield return [0, 2]; yield return [2, 1]; }
    }

    static double RefMean(List<double> v) => v.Sum() / v.Count;

    static double RefVar(List<double> v, double correction)
    {
        double m = RefMean(v);
        return v.Sum(x => (x - m) * (x - m)) / Math.Max(0, v.Count - correction);
    }

    static double RefLogSumExp(List<double> v)
    {
        double m = v.Max();
        return m + Math.Log(v.Sum(x => Math.Exp(x - m)));
    }

    [Fact]
    public void MeanVarStdLogSumExpMatchReference()
    {
        foreach (var dtype in FloatTypes)
            foreach (var shape in Shapes)
            {
                int n = shape.Aggregate(1, (a, b) => a * b);
                var (x, xs) = Make(Values(n, n, scale: 3), shape, dtype);
                foreach (var dims in DimSets(shape.Length))
                    foreach (var keepdim in new[] { false, true })
                    {
                        var tol = Tolerance(dtype);
                        var (mean, meanShape) = Reduce(xs, shape, dims, keepdim, RefMean);
                        var actual = x.Mean(dims, keepdim);
                        Assert.Equal(meanShape, actual.ShapeArray());
                        Assert.Equal(dtype, actual.DType);
                        AssertClose(mean, actual, tol);
                        foreach (var correction in new[] { 0.0, 1.0, 2.0 })
                        {
                            AssertClose(Reduce(xs, shape, dims, keepdim, v => RefVar(v, correction)).Values, x.Var(dims, keepdim, correction), tol);
                            AssertClose(Reduce(xs, shape, dims, keepdim, v => Math.Sqrt(RefVar(v, correction))).Values, x.Std(dims, keepdim, correction), tol);
                        }
                        var lse = x.LogSumExp(dims, keepdim);
                        Assert.Equal(meanShape, lse.ShapeArray());
                        AssertClose(Reduce(xs, shape, dims, keepdim, RefLogSumExp).Values, lse, tol);
                    }
            }
    }

    [Fact]
    public void OverloadsReduceTheRightDims()
    {
        var x = Tensor.FromArray(new double[] { 1, 2, 3, 4, 5, 9 }, 2, 3);
        Assert.Equal(4.0, x.Mean().Item<double>());
        Assert.Empty(x.Mean().ShapeArray());
        Assert.Equal(new double[] { 2, 6 }, x.Mean(1).ToArray<double>());
        Assert.Equal(new[] { 1, 3 }, x.Mean(0, keepdim: true).ShapeArray());
        // default correction is 1 (unbiased): squared deviations from 4 sum to 40, over 5
        Assert.Equal(8.0, x.Var().Item<double>(), 12);
        Assert.Equal(40.0 / 6, x.Var(correction: 0).Item<double>(), 12);
        Assert.Equal(new double[] { 1, 7 }, x.Var(1).ToArray<double>());
        Assert.Equal(Math.Sqrt(7), x.Std(1).ToArray<double>()[1], 12);
        Assert.Equal(Math.Sqrt(8), x.Std().Item<double>(), 12);
        Assert.Equal(Math.Log(Math.Exp(4) + Math.Exp(5) + Math.Exp(9)), x.LogSumExp(1).ToArray<double>()[1], 12);
    }

    [Fact]
    public void VarianceIsAccurateForALargeMean()
    {
        // a naive sum-of-squares formula loses every digit here; the two-pass one keeps them
        var values = Values(1001, 5).Select(v => 1e8 + v).ToArray();
        var x = Tensor.FromArray(values);
        double m = values.Average();
        double expected = values.Sum(v => (v - m) * (v - m)) / 1000;
        Assert.Equal(expected, x.Var().Item<double>(), 1e-9 * expected);
        var f = Tensor.FromArray(values.Select(v => (float)(1e4 + v - 1e8)).ToArray());
        double mf = f.ToArray<double>().Average();
        double expectedF = f.ToArray<double>().Sum(v => (v - mf) * (v - mf)) / 1000;
        Assert.Equal(expectedF, f.Var().Item<float>(), 1e-5 * expectedF);
    }

    [Fact]
    public void VarianceWithTooFewElementsIsNaNAndMeanOfEmptyIsNaN()
    {
        Assert.True(double.IsNaN(Tensor.FromArray(new double[] { 3 }).Var().Item<double>()));
        Assert.Equal(0.0, Tensor.FromArray(new double[] { 3 }).Var(correction: 0).Item<double>());
        Assert.True(double.IsNaN(Tensor.Zeros([0], DType.Float64).Mean().Item<double>()));
        Assert.Equal(new[] { 3 }, Tensor.Zeros(0, 3).Mean(0).ShapeArray());
    }

    [Fact]
    public void MeanVarStdLogSumExpGradients()
    {
        var x = GradCheck.Leaf(3, 5, 4);
        GradCheck.Check(t => t[0].Mean(), x);
        GradCheck.Check(t => t[0].Mean([0, 2], keepdim: true), x);
        GradCheck.Check(t => t[0].Transpose(0, 2).Mean(1), x);
        foreach (var correction in new[] { 0.0, 1.0, 2.5 })
        {
            GradCheck.Check(t => t[0].Var([2], keepdim: false, correction), x);
            GradCheck.Check(t => t[0].Std([0, 1], keepdim: true, correction), x);
        }
        GradCheck.Check(t => t[0].Var(), x);
        GradCheck.Check(t => t[0].Std(), x);
        GradCheck.Check(t => t[0].Permute(2, 0, 1).Var(0), x);
        GradCheck.Check(t => t[0].Transpose(0, 1).Std(-1, keepdim: true), x);
        GradCheck.Check(t => t[0].LogSumExp([0, 2]), x);
        GradCheck.Check(t => t[0].LogSumExp(1, keepdim: true), x);
        GradCheck.Check(t => t[0].Transpose(1, 2).LogSumExp(-1), x);
        // broadcast input: the expanded elements share one leaf element
        GradCheck.Check(t => t[0].Unsqueeze(1).Expand(7, 6, 33).Var(1), GradCheck.Leaf(7, 33));
    }

    [Fact]
    public void StdOfAConstantRowHasZeroGradient()
    {
        var x = Tensor.FromArray(new double[] { 2, 2, 2, 1, 2, 3 }, 2, 3).RequiresGrad_();
        x.Std(1).Sum().Backward();
        var g = x.Grad!.ToArray<double>();
        Assert.Equal(new double[] { 0, 0, 0 }, g[..3]);
        Assert.Equal(new double[] { -0.5, 0, 0.5 }, g[3..]);
    }

    [Fact]
    public void LogSumExpIsStable()
    {
        var x = Tensor.FromArray(new double[] { 1000, 1000, -1000, -1000 }, 2, 2);
        AssertClose(new[] { 1000 + Math.Log(2), -1000 + Math.Log(2) }, x.LogSumExp(1), 1e-14);
        AssertClose(new[] { 1000.0, 1000.0 }, x.LogSumExp(0), 1e-14);
        var f = Tensor.FromArray(new float[] { 1000, -1000, 88, 89 }, 2, 2);
        AssertClose(new[] { 1000.0, 89 + Math.Log(1 + Math.Exp(-1)) }, f.LogSumExp(1), 1e-6);
        var inf = Tensor.FromArray(new double[] { double.NegativeInfinity, double.NegativeInfinity, double.PositiveInfinity, 0 }, 2, 2);
        Assert.Equal(new[] { double.NegativeInfinity, double.PositiveInfinity }, inf.LogSumExp(1).ToArray<double>());
        var g = Tensor.FromArray(new double[] { 1000, 1000 }).RequiresGrad_();
        g.LogSumExp(0).Backward();
        AssertClose(new[] { 0.5, 0.5 }, g.Grad!, 1e-12);
    }

    [Fact]
    public void LogSumExpOfIntegersIsFloat32()
    {
        var r = Tensor.Arange(3).LogSumExp(0);
        Assert.Equal(DType.Float32, r.DType);
        Assert.Equal(Math.Log(1 + Math.E + Math.E * Math.E), r.Item<float>(), 5);
    }

    [Fact]
    public void ReductionErrorsNameTheOpAndShape()
    {
        var m = Assert.Throws<NotSupportedException>(() => Tensor.Arange(6).Reshape(2, 3).Mean());
        Assert.Equal("mean: could not infer output dtype: input dtype must be floating point, got int64 (shape [2, 3]); convert it with Float() or Double()", m.Message);
        var v = Assert.Throws<NotSupportedException>(() => Tensor.Arange(6).Var());
        Assert.Equal("var: only floating point dtypes are supported, got int64 (shape [6])", v.Message);
        var d = Assert.Throws<ArgumentOutOfRangeException>(() => Tensor.Zeros(2, 3).Std(2));
        Assert.StartsWith("std: dimension 2 is out of range for a tensor of rank 2 (expected -2..1)", d.Message);
        var r = Assert.Throws<ArgumentException>(() => Tensor.Zeros(2, 3).LogSumExp([1, -1]));
        Assert.Equal("logsumexp: dimension 1 appears more than once in [1, -1]", r.Message);
    }

    // ---- max, min, argmax, argmin, amax, amin ----

    static (double Value, int Index) RefPick(List<double> v, bool max)
    {
        int best = 0;
        for (int i = 0; i < v.Count; i++)
        {
            if (double.IsNaN(v[best])) break;
            if (double.IsNaN(v[i]) || (max ? v[i] > v[best] : v[i] < v[best])) best = i;
        }
        return (v[best], best);
    }

    [Fact]
    public void MaxMinAndArgMatchReference()
    {
        foreach (var dtype in new[] { DType.Float32, DType.Float64, DType.Int64 })
            foreach (var shape in Shapes)
            {
                int n = shape.Aggregate(1, (a, b) => a * b);
                // rounded values so int64 works and ties occur
                var (x, xs) = Make(Values(n, n + 1, scale: 3).Select(v => Math.Round(v)).ToArray(), shape, dtype);
                foreach (var max in new[] { true, false })
                {
                    var all = max ? x.Max() : x.Min();
                    Assert.Empty(all.ShapeArray());
                    Assert.Equal(dtype, all.DType);
                    Assert.Equal(RefPick([.. xs], max).Value, all.Item<double>());
                    var argAll = max ? x.Argmax() : x.Argmin();
                    Assert.Equal(DType.Int64, argAll.DType);
                    Assert.Equal(RefPick([.. xs], max).Index, argAll.Item<long>());
                    for (int dim = -1; dim < shape.Length; dim++)
                        foreach (var keepdim in new[] { false, true })
                        {
                            var (values, indices) = max ? x.Max(dim, keepdim) : x.Min(dim, keepdim);
                            var expected = Reduce(xs, shape, [dim], keepdim, v => RefPick(v, max).Value);
                            var expectedIndex = Reduce(xs, shape, [dim], keepdim, v => RefPick(v, max).Index);
                            Assert.Equal(expected.Shape, values.ShapeArray());
                            Assert.Equal(expected.Shape, indices.ShapeArray());
                            Assert.Equal(DType.Int64, indices.DType);
                            Assert.Equal(expected.Values, values.ToArray<double>());
                            Assert.Equal(expectedIndex.Values.Select(i => (long)i).ToArray(), indices.ToArray<long>());
                            var arg = max ? x.Argmax(dim, keepdim) : x.Argmin(dim, keepdim);
                            Assert.Equal(expectedIndex.Values.Select(i => (long)i).ToArray(), arg.ToArray<long>());
                        }
                    foreach (var dims in DimSets(shape.Length))
                    {
                        var a = max ? x.Amax(dims, keepdim: true) : x.Amin(dims, keepdim: true);
                        var expected = Reduce(xs, shape, dims, keepdim: true, v => RefPick(v, max).Value);
                        Assert.Equal(expected.Shape, a.ShapeArray());
                        Assert.Equal(expected.Values, a.ToArray<double>());
                    }
                }
            }
    }

    [Fact]
    public void TiesPickTheFirstIndexAndNaNWins()
    {
        var x = Tensor.FromArray(new double[] { 1, 3, 3, 0, 0, -2 }, 2, 3);
        var (v, i) = x.Max(1);
        Assert.Equal(new double[] { 3, 0 }, v.ToArray<double>());
        Assert.Equal(new long[] { 1, 0 }, i.ToArray<long>());
        Assert.Equal(new long[] { 0, 2 }, x.Argmin(1).ToArray<long>());
        Assert.Equal(1L, x.Argmax().Item<long>());
        var n = Tensor.FromArray(new double[] { 1, double.NaN, 5, double.NaN });
        Assert.True(double.IsNaN(n.Max().Item<double>()));
        Assert.True(double.IsNaN(n.Min().Item<double>()));
        Assert.Equal(1L, n.Argmax().Item<long>());
        Assert.Equal(1L, n.Min(0).Indices.Item<long>());
        // transposed input: indices count along the reduced dim of the view
        Assert.Equal(new long[] { 0, 0, 0 }, x.T.Argmax(1).ToArray<long>());
    }

    [Fact]
    public void MaxOfBoolIsBool()
    {
        var b = Tensor.FromArray(new[] { false, true, false, false }, 2, 2);
        Assert.Equal(DType.Bool, b.Max().DType);
        Assert.True(b.Max().Item<bool>());
        Assert.Equal(new[] { true, false }, b.Max(1).Values.ToArray<bool>());
        Assert.Equal(new long[] { 1, 0 }, b.Argmax(1).ToArray<long>());
    }

    [Fact]
    public void MaxMinAmaxGradients()
    {
        var x = GradCheck.Leaf(3, 5, 4);
        GradCheck.Check(t => t[0].Max(), x);
        GradCheck.Check(t => t[0].Min(), x);
        GradCheck.Check(t => t[0].Max(1).Values, x);
        GradCheck.Check(t => t[0].Min(-1, keepdim: true).Values, x);
        GradCheck.Check(t => t[0].Transpose(0, 2).Max(0).Values, x);
        GradCheck.Check(t => t[0].Permute(1, 2, 0).Min(1).Values, x);
        GradCheck.Check(t => t[0].Amax([0, 2]), x);
        GradCheck.Check(t => t[0].Amin([1], keepdim: true), x);
        GradCheck.Check(t => t[0].Transpose(1, 2).Amax(1), x);
    }

    [Fact]
    public void GradientGoesToTheArgmaxOrIsSplitAmongTies()
    {
        double[] Grad(Func<Tensor, Tensor> f)
        {
            var x = Tensor.FromArray(new double[] { 1, 3, 3, 3, -1, 3 }, 2, 3).RequiresGrad_();
            f(x).Sum().Backward();
            return x.Grad!.ToArray<double>();
        }
        // max(dim) routes to the first maximum, as its index says
        Assert.Equal(new double[] { 0, 1, 0, 1, 0, 0 }, Grad(x => x.Max(1).Values));
        // max() and amax split evenly among equal maxima, as PyTorch does
        Assert.Equal(new double[] { 0, 0.25, 0.25, 0.25, 0, 0.25 }, Grad(x => x.Max()));
        Assert.Equal(new double[] { 0, 0.5, 0.5, 0.5, 0, 0.5 }, Grad(x => x.Amax(1)));
        Assert.Equal(new double[] { 0, 0, 0, 0, 1, 0 }, Grad(x => x.Min()));
    }

    [Fact]
    public void MaxOverAnEmptyDimThrows()
    {
        var e = Assert.Throws<ArgumentException>(() => Tensor.Zeros(0, 3).Max(0));
        Assert.Equal("max: cannot reduce over dimension 0, which has size 0 (shape [0, 3])", e.Message);
        var a = Assert.Throws<ArgumentException>(() => Tensor.Zeros(2, 0).Argmin());
        Assert.Equal("argmin: cannot reduce over dimension 1, which has size 0 (shape [2, 0])", a.Message);
        var m = Assert.Throws<ArgumentException>(() => Tensor.Zeros(0).Min());
        Assert.Equal("min: expected a reduction dim to be specified for an input with no elements (shape [0])", m.Message);
        Assert.Equal(new[] { 0 }, Tensor.Zeros(0, 3).Max(1).Values.ShapeArray());
    }
    [Theory]
    [InlineData(3, 5, 7)]
    [InlineData(2, 9, 300)]
    [InlineData(8, 128, 1024)]
    public void Sums_over_leading_dims_read_in_place_match_the_general_path_bit_for_bit(int a, int b, int cols)
    {
        foreach (DType dtype in ReferenceData.FloatTypes)
        {
            var (x, values) = ReferenceData.Make(ReferenceData.Values(a * b * cols, 12), [a, b, cols], dtype);
            // the same values, stored transposed: the reduction takes the general path (a transposed copy)
            var strided = x.Reshape(a * b, cols).T.Contiguous().T.Reshape(a, b, cols);
            Assert.False(strided.IsContiguous);

            var fast = x.Sum([0, 1]);
            Assert.Equal(strided.Sum([0, 1]).ToArray<double>(), fast.ToArray<double>());
            Assert.Equal(strided.Sum(0, keepdim: true).ToArray<double>(), x.Sum(0, keepdim: true).ToArray<double>());
            Assert.Equal([1, b, cols], x.Sum(0, keepdim: true).ShapeArray());
            var (expected, _) = ReferenceData.Reduce(values, [a, b, cols], [0, 1], keepdim: false, group => group.Sum());
            ReferenceData.AssertClose(expected, fast, ReferenceData.Tolerance(dtype));
        }
    }
}

/// <summary>Sums over leading dims (the column-sum kernel) give what a double accumulation in row order gives, to the bit.</summary>
public class LeadingDimSumTests
{
    [Theory]
    [InlineData(1, 1)]
    [InlineData(7, 1)]
    [InlineData(1, 33)]
    [InlineData(33, 7)]
    [InlineData(128, 256)]
    [InlineData(1000, 13)]
    public void Float_columns_match_a_double_accumulation_in_row_order(int rows, int cols)
    {
        var rng = new Random(rows * 31 + cols);
        var values = Enumerable.Range(0, rows * cols).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        var x = Tensor.FromArray(values).Reshape(rows, cols);

        var expected = new float[cols];
        for (int c = 0; c < cols; c++)
        {
            double sum = 0;
            for (int r = 0; r < rows; r++) sum += values[r * cols + c];
            expected[c] = (float)sum;
        }

        Assert.Equal(expected, x.Sum(0).ToArray<float>());
        Assert.Equal(expected, x.Reshape(rows, 1, cols).Sum([0, 1]).ToArray<float>());
        Assert.Equal([1, cols], x.Sum(0, keepdim: true).Shape);
    }

    [Fact]
    public void Double_and_non_contiguous_inputs_sum_the_same()
    {
        var x = Tensor.Randn(9, 5, 11).To(DType.Float64);
        var viaColumns = x.Sum([0, 1]).ToArray<double>();
        var viaBlocks = x.Permute(2, 0, 1).Sum([1, 2]).ToArray<double>(); // the same sums, reduced as trailing dims
        Assert.Equal(viaBlocks, viaColumns);

        var transposed = Tensor.Randn(6, 4).Transpose(0, 1); // not contiguous: the general path
        Assert.Equal(transposed.Contiguous().Sum(0).ToArray<float>(), transposed.Sum(0).ToArray<float>());
    }
}

/// <summary>
/// Sums over leading and trailing dims around one kept block (a convolution's bias gradient is [0, 2, 3])
/// read the contiguous input in place (KeptBlockSums): they match a double reference, and the general
/// path's result on the same values stored transposed.
/// </summary>
public class KeptBlockSumTests
{
    [Theory]
    [InlineData(new[] { 3, 5, 7, 9 }, new[] { 0, 2, 3 })]
    [InlineData(new[] { 3, 5, 7, 9 }, new[] { 2, 3 })]
    [InlineData(new[] { 3, 5, 7, 9 }, new[] { 0, 3 })]
    [InlineData(new[] { 1, 1, 1, 8 }, new[] { 0, 3 })]
    [InlineData(new[] { 2, 33, 1000 }, new[] { 0, 2 })]
    [InlineData(new[] { 64, 32, 28, 28 }, new[] { 0, 2, 3 })]
    [InlineData(new[] { 2, 3, 1, 7 }, new[] { 0, 2, 3 })] // runs of 7: the general path
    public void Sums_around_a_kept_block_match_a_double_reference(int[] shape, int[] dims)
    {
        foreach (DType dtype in ReferenceData.FloatTypes)
        {
            var (x, values) = ReferenceData.Make(ReferenceData.Values(Shapes.Numel(shape), 5), shape, dtype);
            var (expected, _) = ReferenceData.Reduce(values, shape, dims, keepdim: false, group => group.Sum());
            var sum = x.Sum(dims);
            ReferenceData.AssertClose(expected, sum, ReferenceData.Tolerance(dtype));

            var keep = x.Sum(dims, keepdim: true);
            Assert.Equal(x.KeepDimShape(x.ReducedDims(dims, "sum")), keep.ShapeArray());
            // the same values every other element of a wider buffer (not contiguous): the general reduction
            var strided = x.Unsqueeze(-1).Expand([.. shape, 2]).Contiguous().Select(-1, 0);
            Assert.False(strided.IsContiguous);
            Assert.Equal(sum.ToArray<double>(), strided.Sum(dims).ToArray<double>(), new ToleranceComparer(ReferenceData.Tolerance(dtype)));
        }
    }

    [Fact]
    public void The_bias_gradient_of_conv2d_is_the_sum_over_batch_and_plane()
    {
        var x = Tensor.Randn([4, 3, 9, 9], generator: new Generator(1));
        var weight = Tensor.Randn([5, 3, 3, 3], generator: new Generator(2));
        var bias = Tensor.Zeros(5).RequiresGrad_();
        var gy = Tensor.Randn([4, 5, 9, 9], generator: new Generator(3));
        F.Conv2d(x, weight, bias, padding: 1).Backward(gy);

        var expected = new double[5];
        var g = gy.ToArray<float>();
        for (int i = 0; i < g.Length; i++) expected[i / 81 % 5] += g[i];
        // both accumulate in double and round once; only the order of the double additions differs
        Assert.Equal(expected, bias.Grad!.ToArray<double>(), new ToleranceComparer(1e-6));
    }

    sealed class ToleranceComparer(double tolerance) : IEqualityComparer<double>
    {
        public bool Equals(double a, double b) => Math.Abs(a - b) <= tolerance * Math.Max(1, Math.Abs(a));
        public int GetHashCode(double value) => 0;
    }
}
