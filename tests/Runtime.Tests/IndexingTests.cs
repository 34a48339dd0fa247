namespace DeepGen.Tests;

public class IndexingTests
{
    static double[] Values(Tensor t) => t.To(DType.Float64).ToArray<double>();

    static Tensor Random(DType dtype, ulong seed, params int[] shape) =>
        (Tensor.Randn(shape, DType.Float64, new Generator(seed)) * 10.0).To(dtype);

    /// <summary>A [a, b, c] tensor that is a permuted view, so its elements are not laid out row-major.</summary>
    static Tensor Strided(DType dtype, ulong seed, int a, int b, int c) => Random(dtype, seed, c, a, b).Permute(1, 2, 0);

    static Tensor StridedIndex(long high, ulong seed, int a, int b, int c) =>
        Tensor.Randint(0, high, [c, a, b], new Generator(seed)).Permute(1, 2, 0);

    static int Flat(int[] shape, int[] p) => (p[0] * shape[1] + p[1]) * shape[2] + p[2];

    static IEnumerable<int[]> Positions(int[] shape)
    {
        for (int i = 0; i < shape[0]; i++)
            for (int j = 0; j < shape[1]; j++)
                for (int k = 0; k < shape[2]; k++)
                    yield return [i, j, k];
    }

    // ---- index_select ----

    [Theory]
    [InlineData(DType.Float32)]
    [InlineData(DType.Float64)]
    [InlineData(DType.Int64)]
    public void IndexSelectMatchesReference(DType dtype)
    {
        int[] shape = [5, 7, 3];
        foreach (var input in new[] { Random(dtype, 1, shape), Strided(dtype, 2, 5, 7, 3) })
        {
            var v = Values(input);
            for (int dim = 0; dim < 3; dim++)
            {
                var idx = Tensor.Randint(0, shape[dim], [9], new Generator((ulong)dim));
                var iv = idx.ToArray<long>();
                var result = input.IndexSelect(dim, idx);
                var outShape = (int[])shape.Clone();
                outShape[dim] = 9;
                Assert.Equal(outShape, result.ShapeArray());
                Assert.Equal(dtype, result.DType);
                var expected = new List<double>();
                foreach (var p in Positions(outShape))
                {
                    p[dim] = (int)iv[p[dim]];
                    expected.Add(v[Flat(shape, p)]);
                }
                Assert.Equal(expected, Values(result));
            }
        }
    }

    [Fact]
    public void IndexSelectEdgeCases()
    {
        var x = Tensor.Arange(12).Reshape(3, 4);
        // a strided index, a 0-d index (keeps the dim with size 1), an empty index
        var idx = Tensor.FromArray(new long[] { 2, 9, 0, 9, 1 })[TensorIndex.Slice(null, null, 2)];
        Assert.Equal(new long[] { 8, 9, 10, 11, 0, 1, 2, 3, 4, 5, 6, 7 }, x.IndexSelect(0, idx).ToArray<long>());
        Assert.Equal(new[] { 3, 1 }, x.IndexSelect(1, Tensor.Scalar(3, DType.Int64)).ShapeArray());
        Assert.Equal(new[] { 0, 4 }, x.IndexSelect(0, Tensor.Zeros([0], DType.Int64)).ShapeArray());
        Assert.Equal(new[] { true, true }, Tensor.FromArray(new[] { false, true }).IndexSelect(0, Tensor.FromArray(new long[] { 1, 1 })).ToArray<bool>());
        var scalar = Tensor.Scalar(5).IndexSelect(0, Tensor.FromArray(new long[] { 0 }));
        Assert.Equal(0, scalar.Rank);
        Assert.Equal(5f, scalar.Item<float>());
    }

    [Fact]
    public void IndexSelectGradients()
    {
        var repeated = Tensor.FromArray(new long[] { 2, 0, 2, 2, 1 });
        GradCheck.Check(t => t[0].IndexSelect(0, repeated), GradCheck.Leaf(3, 4));
        GradCheck.Check(t => t[0].T.IndexSelect(1, repeated), GradCheck.Leaf(3, 4));
        GradCheck.Check(t => t[0].Permute(2, 0, 1).IndexSelect(-1, repeated), GradCheck.Leaf(3, 5, 2));
        GradCheck.Check(t => t[0].IndexSelect(0, Tensor.FromArray(new long[] { 0 })) * 3.0, GradCheck.Leaf([]));
    }

    // ---- index_add ----

    [Theory]
    [InlineData(DType.Float32)]
    [InlineData(DType.Float64)]
    [InlineData(DType.Int64)]
    public void IndexAddMatchesReference(DType dtype)
    {
        int[] shape = [5, 7, 3];
        for (int dim = 0; dim < 3; dim++)
        {
            var self = Strided(dtype, 3, 5, 7, 3);
            var srcShape = (int[])shape.Clone();
            srcShape[dim] = 11;
            var source = Random(dtype, 4, srcShape[2], srcShape[0], srcShape[1]).Permute(1, 2, 0);
            var idx = Tensor.Randint(0, shape[dim], [11], new Generator(9));
            var result = self.IndexAdd(dim, idx, source, alpha: 2);

            var expected = Values(self);
            var sv = Values(source);
            var iv = idx.ToArray<long>();
            foreach (var p in Positions(srcShape))
            {
                double s = sv[Flat(srcShape, p)];
                p[dim] = (int)iv[p[dim]];
                expected[Flat(shape, p)] += 2 * s;
            }
            Assert.Equal(shape, result.ShapeArray());
            AssertClose(expected, Values(result), dtype);

            // the in-place form writes through self's own strides
            var target = self.Clone();
            var version = target.Version;
            Assert.Same(target, target.IndexAdd_(dim, idx, source, alpha: 2));
            Assert.Equal(Values(result), Values(target));
            Assert.True(target.Version > version);
        }
    }

    [Fact]
    public void IndexAddGradients()
    {
        var idx = Tensor.FromArray(new long[] { 1, 1, 0 });
        GradCheck.Check(t => t[0].IndexAdd(1, idx, t[1].T, alpha: 0.5), GradCheck.Leaf(4, 2), GradCheck.Leaf(3, 4));
        GradCheck.Check(t =>
        {
            var h = t[0] * 1.0;
            h.IndexAdd_(0, idx, t[1] * t[1]);
            return h;
        }, GradCheck.Leaf(2, 5), GradCheck.Leaf(3, 5));
    }

    // ---- gather ----

    [Theory]
    [InlineData(DType.Float32)]
    [InlineData(DType.Float64)]
    [InlineData(DType.Int64)]
    public void GatherMatchesReference(DType dtype)
    {
        int[] shape = [5, 7, 3];
        var input = Strided(dtype, 5, 5, 7, 3);
        var v = Values(input);
        for (int dim = 0; dim < 3; dim++)
        {
            // the index may be larger than the input along dim, and smaller in the other dims
            int[] indexShape = [4, 6, 2];
            indexShape[dim] = 9;
            foreach (var index in new[]
            {
                Tensor.Randint(0, shape[dim], indexShape, new Generator((ulong)dim)),
                StridedIndex(shape[dim], (ulong)dim + 10, indexShape[0], indexShape[1], indexShape[2]),
            })
            {
                var result = input.Gather(dim, index);
                Assert.Equal(indexShape, result.ShapeArray());
                var iv = index.ToArray<long>();
                var expected = new List<double>();
                foreach (var p in Positions(indexShape))
                {
                    var q = (int[])p.Clone();
                    q[dim] = (int)iv[Flat(indexShape, p)];
                    expected.Add(v[Flat(shape, q)]);
                }
                Assert.Equal(expected, Values(result));
            }
        }
    }

    [Fact]
    public void GatherPicksPerRowEntries()
    {
        // the classic use: pick each row's target class
        var logits = Tensor.FromArray(new float[,] { { 0.1f, 0.7f, 0.2f }, { 0.5f, 0.3f, 0.2f } });
        var targets = Tensor.FromArray(new long[] { 1, 0 }).Unsqueeze(1);
        Assert.Equal(new float[] { 0.7f, 0.5f }, logits.Gather(1, targets).ToArray<float>());
        Assert.Equal(new[] { true, false }, Tensor.FromArray(new[] { false, true }).Gather(0, Tensor.FromArray(new long[] { 1, 0 })).ToArray<bool>());
        Assert.Equal(4f, Tensor.Scalar(4).Gather(0, Tensor.Scalar(0, DType.Int64)).Item<float>());
    }

    [Fact]
    public void GatherGradients()
    {
        var idx = Tensor.FromArray(new long[] { 0, 2, 2, 1, 1, 1 }, 2, 3);
        GradCheck.Check(t => t[0].Gather(1, idx), GradCheck.Leaf(3, 3));
        GradCheck.Check(t => t[0].T.Gather(0, idx.T), GradCheck.Leaf(2, 4));
        GradCheck.Check(t => t[0].Gather(0, Tensor.FromArray(new long[] { 1, 0, 1, 1 }, 2, 2)), GradCheck.Leaf(2, 3));
        GradCheck.Check(t => t[0].Gather(2, Tensor.FromArray(new long[] { 1, 0, 1, 1 }, 2, 1, 2)), GradCheck.Leaf(3, 3, 2));
    }

    // ---- scatter_add ----

    [Theory]
    [InlineData(DType.Float32)]
    [InlineData(DType.Float64)]
    [InlineData(DType.Int64)]
    public void ScatterAddMatchesReference(DType dtype)
    {
        int[] shape = [5, 7, 3];
        var self = Strided(dtype, 6, 5, 7, 3);
        for (int dim = 0; dim < 3; dim++)
        {
            int[] indexShape = [4, 6, 2];
            indexShape[dim] = 9;
            var index = StridedIndex(shape[dim], (ulong)dim + 20, indexShape[0], indexShape[1], indexShape[2]);
            int[] srcShape = [5, 7, 3];
            srcShape[dim] = 10;
            var src = Strided(dtype, 7, srcShape[0], srcShape[1], srcShape[2]);
            var result = self.ScatterAdd(dim, index, src);

            var expected = Values(self);
            var sv = Values(src);
            var iv = index.ToArray<long>();
            foreach (var p in Positions(indexShape))
            {
                var q = (int[])p.Clone();
                q[dim] = (int)iv[Flat(indexShape, p)];
                expected[Flat(shape, q)] += sv[Flat(srcShape, p)];
            }
            Assert.Equal(shape, result.ShapeArray());
            AssertClose(expected, Values(result), dtype);

            var target = self.Clone();
            Assert.Same(target, target.ScatterAdd_(dim, index, src));
            Assert.Equal(Values(result), Values(target));
        }
    }

    [Fact]
    public void ScatterAddGradients()
    {
        var idx = Tensor.FromArray(new long[] { 0, 2, 2, 1, 1, 1 }, 2, 3);
        GradCheck.Check(t => t[0].ScatterAdd(1, idx, t[1]), GradCheck.Leaf(2, 4), GradCheck.Leaf(2, 3));
        GradCheck.Check(t => t[0].T.ScatterAdd(0, idx.T, t[1].T), GradCheck.Leaf(3, 3), GradCheck.Leaf(2, 4));
        // only src requires grad; the index is smaller than src
        GradCheck.Check(t => Tensor.Zeros([3, 3], DType.Float64).ScatterAdd(0, idx, t[0]), GradCheck.Leaf(3, 4));
        GradCheck.Check(t =>
        {
            var h = t[0] * 2.0;
            h.ScatterAdd_(1, idx, t[1]);
            return h * h;
        }, GradCheck.Leaf(2, 4), GradCheck.Leaf(2, 3));
    }

    [Fact]
    public void IndexModifiedInPlaceBeforeBackwardIsCaught()
    {
        var x = GradCheck.Leaf(3, 2);
        var idx = Tensor.FromArray(new long[] { 0, 2 });
        var y = x.IndexSelect(0, idx).Sum();
        idx.Fill_(1);
        var e = Assert.Throws<InvalidOperationException>(() => y.Backward());
        Assert.StartsWith("index_select: one of the tensors needed for gradient computation has been modified by an in-place operation", e.Message);
    }

    // ---- errors ----

    [Fact]
    public void OutOfRangeIndicesNameValuePositionAndSize()
    {
        var x = Tensor.Zeros(3, 4);
        var e1 = Assert.Throws<IndexOutOfRangeException>(() => x.IndexSelect(1, Tensor.FromArray(new long[] { 0, 3, 4 })));
        Assert.Equal("index_select: index 4 is out of bounds for dimension 1 with size 4 (at position [2] of the index, shape [3])", e1.Message);
        var e2 = Assert.Throws<IndexOutOfRangeException>(() => x.Gather(0, Tensor.FromArray(new long[] { 0, 1, 2, -1 }, 2, 2)));
        Assert.Equal("gather: index -1 is out of bounds for dimension 0 with size 3 (at position [1, 1] of the index, shape [2, 2])", e2.Message);
        var e3 = Assert.Throws<IndexOutOfRangeException>(() => x.ScatterAdd(1, Tensor.FromArray(new long[] { 7 }, 1, 1), Tensor.Ones(1, 1)));
        Assert.Equal("scatter_add: index 7 is out of bounds for dimension 1 with size 4 (at position [0, 0] of the index, shape [1, 1])", e3.Message);
        var e4 = Assert.Throws<IndexOutOfRangeException>(() => x.IndexAdd(0, Tensor.FromArray(new long[] { 3 }), Tensor.Ones(1, 4)));
        Assert.StartsWith("index_add: index 3 is out of bounds for dimension 0 with size 3", e4.Message);
    }

    [Fact]
    public void BadInPlaceIndexLeavesTargetUntouched()
    {
        var x = Tensor.Zeros(2, 3);
        var idx = Tensor.FromArray(new long[] { 0, 1, 5 }, 1, 3);
        Assert.Throws<IndexOutOfRangeException>(() => x.ScatterAdd_(1, idx, Tensor.Ones(1, 3)));
        Assert.All(x.ToArray<float>(), v => Assert.Equal(0f, v));
        Assert.Throws<IndexOutOfRangeException>(() => x.IndexAdd_(0, Tensor.FromArray(new long[] { 1, 2 }), Tensor.Ones(2, 3)));
        Assert.All(x.ToArray<float>(), v => Assert.Equal(0f, v));
    }

    [Fact]
    public void ShapeAndDTypeErrors()
    {
        var x = Tensor.Zeros(3, 4);
        Assert.Equal("index_select: expected index to be an int64 tensor, got float32 (index shape [2])",
            Assert.Throws<ArgumentException>(() => x.IndexSelect(0, Tensor.Zeros(2))).Message);
        Assert.Equal("index_select: index is supposed to be a vector, got shape [1, 2] (input shape [3, 4])",
            Assert.Throws<ArgumentException>(() => x.IndexSelect(0, Tensor.Zeros([1, 2], DType.Int64))).Message);
        Assert.StartsWith("index_select: dimension 2 is out of range",
            Assert.Throws<ArgumentOutOfRangeException>(() => x.IndexSelect(2, Tensor.Zeros([1], DType.Int64))).Message);
        Assert.Equal("gather: index tensor must have the same number of dimensions as the input: index shape [3], input shape [3, 4]",
            Assert.Throws<ArgumentException>(() => x.Gather(0, Tensor.Zeros([3], DType.Int64))).Message);
        Assert.Equal("gather: size of index [2, 5] in dimension 1 (5) must not exceed the input's [3, 4] (4) in any dimension but 0",
            Assert.Throws<ArgumentException>(() => x.Gather(0, Tensor.Zeros([2, 5], DType.Int64))).Message);
        Assert.Equal("gather: expected index to be an int64 tensor, got bool (index shape [3, 4])",
            Assert.Throws<ArgumentException>(() => x.Gather(0, Tensor.Zeros([3, 4], DType.Bool))).Message);
        Assert.Equal("scatter_add: size of index [2, 3] in dimension 1 (3) must not exceed src's [2, 2] (2)",
            Assert.Throws<ArgumentException>(() => x.ScatterAdd(0, Tensor.Zeros([2, 3], DType.Int64), Tensor.Zeros(2, 2))).Message);
        Assert.Equal("scatter_add: self (float32, shape [3, 4]) and src (float64, shape [2, 2]) must have the same dtype",
            Assert.Throws<ArgumentException>(() => x.ScatterAdd(0, Tensor.Zeros([2, 2], DType.Int64), Tensor.Zeros([2, 2], DType.Float64))).Message);
        Assert.Equal("index_add: source of shape [2, 3] does not fit self of shape [3, 4] with an index of 2 entries along dimension 0: expected source shape [2, 4]",
            Assert.Throws<ArgumentException>(() => x.IndexAdd(0, Tensor.Zeros([2], DType.Int64), Tensor.Zeros(2, 3))).Message);
        Assert.Equal("index_add: for integral input tensors, alpha must not be a floating point number, got 0.5",
            Assert.Throws<ArgumentException>(() => Tensor.Arange(3).IndexAdd(0, Tensor.Arange(3), Tensor.Arange(3), 0.5)).Message);
        Assert.Contains("scatter_add_: unsupported in-place operation on an expanded tensor",
            Assert.Throws<InvalidOperationException>(() => Tensor.Zeros(1, 3).Expand(2, 3).ScatterAdd_(0, Tensor.Zeros([1, 1], DType.Int64), Tensor.Ones(1, 1))).Message);
    }

    static void AssertClose(double[] expected, double[] actual, DType dtype)
    {
        Assert.Equal(expected.Length, actual.Length);
        double tol = dtype == DType.Float32 ? 1e-4 : 1e-12;
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tol * (1 + Math.Abs(expected[i])), $"element {i}: expected {expected[i]}, got {actual[i]}");
    }
}
