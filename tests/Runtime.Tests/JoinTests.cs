namespace DeepGen.Tests;

public class JoinTests
{
    static double[] Values(Tensor t) => t.To(DType.Float64).ToArray<double>();

    static Tensor Random(DType dtype, ulong seed, params int[] shape) =>
        Tensor.Randn(shape, DType.Float64, new Generator(seed)).To(dtype);

    /// <summary>A tensor of the given shape whose elements are not laid out row-major (a permuted copy).</summary>
    static Tensor Strided(DType dtype, ulong seed, int a, int b, int c) => Random(dtype, seed, c, a, b).Permute(1, 2, 0);

    /// <summary>Plain cat: each input seen as [outer, size_k, inner]; output rows interleave the inputs.</summary>
    static double[] ReferenceCat(Tensor[] inputs, int dim)
    {
        var shape = inputs[0].ShapeArray();
        int outer = 1, inner = 1;
        for (int k = 0; k < dim; k++) outer *= shape[k];
        for (int k = dim + 1; k < shape.Length; k++) inner *= shape[k];
        var result = new List<double>();
        var values = inputs.Select(Values).ToArray();
        for (int o = 0; o < outer; o++)
            for (int t = 0; t < inputs.Length; t++)
            {
                int size = inputs[t].Size(dim);
                for (int j = 0; j < size; j++)
                    for (int i = 0; i < inner; i++)
                        result.Add(values[t][(o * size + j) * inner + i]);
            }
        return [.. result];
    }

    [Theory]
    [InlineData(DType.Float32)]
    [InlineData(DType.Float64)]
    public void CatMatchesReference(DType dtype)
    {
        for (int dim = 0; dim < 3; dim++)
        {
            int[] Shape(int n) { int[] s = [3, 7, 2]; s[dim] = n; return s; }
            var inputs = new[]
            {
                Random(dtype, 1, Shape(1)),
                Strided(dtype, 2, Shape(7)[0], Shape(7)[1], Shape(7)[2]),
                Random(dtype, 3, Shape(33)).Contiguous(),
            };
            Assert.False(inputs[1].IsContiguous);
            var result = Tensor.Cat(inputs, dim);
            var expectedShape = Shape(41);
            Assert.Equal(expectedShape, result.ShapeArray());
            Assert.Equal(dtype, result.DType);
            Assert.Equal(ReferenceCat(inputs, dim), Values(result));
            // negative dims count from the end
            Assert.Equal(Values(result), Values(Tensor.Cat(inputs, dim - 3)));
        }
    }

    [Fact]
    public void CatParamsOverloadUsesDimZero()
    {
        var a = Tensor.FromArray(new float[] { 1, 2 }, 1, 2);
        var b = Tensor.FromArray(new float[] { 3, 4, 5, 6 }, 2, 2);
        var c = Tensor.Cat(a, b);
        Assert.Equal(new[] { 3, 2 }, c.ShapeArray());
        Assert.Equal(new float[] { 1, 2, 3, 4, 5, 6 }, c.ToArray<float>());
        Assert.Equal(new float[] { 1, 2, 3, 4, 5, 6 }, Tensor.Cat([a, b]).ToArray<float>());
        Assert.Equal(new float[] { 1, 2, 3, 4, 5, 6 }, Tensor.Cat(new List<Tensor> { a, b }).ToArray<float>());
    }

    [Fact]
    public void CatPromotesTypes()
    {
        var ints = Tensor.Arange(3);
        var floats = Tensor.FromArray(new float[] { 0.5f, 1.5f });
        var c = Tensor.Cat(ints, floats);
        Assert.Equal(DType.Float32, c.DType);
        Assert.Equal(new float[] { 0, 1, 2, 0.5f, 1.5f }, c.ToArray<float>());
        var bools = Tensor.FromArray(new[] { true, false });
        var b = Tensor.Cat(bools, ints);
        Assert.Equal(DType.Int64, b.DType);
        Assert.Equal(new long[] { 1, 0, 0, 1, 2 }, b.ToArray<long>());
        Assert.Equal(DType.Float64, Tensor.Cat(floats, Tensor.Ones([1], DType.Float64)).DType);
    }

    [Fact]
    public void CatSkipsOneDimensionalEmptyTensors()
    {
        var x = Random(DType.Float32, 4, 2, 3);
        var c = Tensor.Cat([Tensor.Zeros(0), x, Tensor.Zeros(0)], 1);
        Assert.Equal(new[] { 2, 3 }, c.ShapeArray());
        Assert.Equal(Values(x), Values(c));
        Assert.Equal(new[] { 0 }, Tensor.Cat(Tensor.Zeros(0), Tensor.Zeros(0)).ShapeArray());
        // an empty tensor of higher rank is not skipped: its other sizes must match
        Assert.Equal(new[] { 2, 3 }, Tensor.Cat(Tensor.Zeros(0, 3), x).ShapeArray());
        Assert.Throws<ArgumentException>(() => Tensor.Cat(Tensor.Zeros(0, 4), x));
    }

    [Fact]
    public void CatGradients()
    {
        var a = GradCheck.Leaf(3, 2);
        var b = GradCheck.Leaf(4, 3);
        var c = GradCheck.Leaf(3, 1);
        GradCheck.Check(t => Tensor.Cat([t[0], t[1].T, t[2]], 1), a, b, c);
        GradCheck.Check(t => Tensor.Cat([t[0].T, t[1][TensorIndex.Slice(null, null, 2)]], 0), GradCheck.Leaf(3, 2), b);
        // an integer input gets no gradient, the float64 one does
        GradCheck.Check(t => Tensor.Cat([t[0], Tensor.Arange(3)], 0), GradCheck.Leaf(5));
        // a skipped empty input still gets a (size-0) gradient
        var empty = Tensor.Zeros([0], DType.Float64).RequiresGrad_();
        var x = GradCheck.Leaf(4);
        Tensor.Cat(empty, x).Sum().Backward();
        Assert.Equal(new[] { 0 }, empty.Grad!.ShapeArray());
        Assert.Equal(new double[] { 1, 1, 1, 1 }, x.Grad!.ToArray<double>());
    }

    [Fact]
    public void CatErrors()
    {
        var e1 = Assert.Throws<ArgumentException>(() => Tensor.Cat(Array.Empty<Tensor>()));
        Assert.Equal("cat: expected a non-empty list of tensors", e1.Message);

        var e2 = Assert.Throws<ArgumentException>(() => Tensor.Cat(Tensor.Zeros(2, 3), Tensor.Zeros(2, 3, 1)));
        Assert.Equal("cat: tensors must have the same number of dimensions: tensor 0 has shape [2, 3] (rank 2) but tensor 1 has shape [2, 3, 1] (rank 3)", e2.Message);

        var e3 = Assert.Throws<ArgumentException>(() => Tensor.Cat([Tensor.Zeros(2, 3), Tensor.Zeros(5, 3), Tensor.Zeros(1, 4)], 0));
        Assert.Equal("cat: sizes of tensors must match except in dimension 0: tensor 0 has shape [2, 3] but tensor 2 has shape [1, 4] (size 4 instead of 3 in dimension 1)", e3.Message);

        var e4 = Assert.Throws<ArgumentException>(() => Tensor.Cat(Tensor.Zeros(2), Tensor.Scalar(1)));
        Assert.Equal("cat: zero-dimensional tensor (at position 1) cannot be concatenated", e4.Message);

        var e5 = Assert.Throws<ArgumentOutOfRangeException>(() => Tensor.Cat([Tensor.Zeros(2, 3)], 2));
        Assert.StartsWith("cat: dimension 2 is out of range for a tensor of rank 2", e5.Message);
    }

    /// <summary>Plain stack: out[..before, k, ..after] = inputs[k][..before, ..after].</summary>
    static double[] ReferenceStack(Tensor[] inputs, int dim)
    {
        var shape = inputs[0].ShapeArray();
        int outer = 1, inner = 1;
        for (int k = 0; k < dim; k++) outer *= shape[k];
        for (int k = dim; k < shape.Length; k++) inner *= shape[k];
        var values = inputs.Select(Values).ToArray();
        var result = new List<double>();
        for (int o = 0; o < outer; o++)
            for (int t = 0; t < inputs.Length; t++)
                for (int i = 0; i < inner; i++)
                    result.Add(values[t][o * inner + i]);
        return [.. result];
    }

    [Theory]
    [InlineData(DType.Float32)]
    [InlineData(DType.Float64)]
    public void StackMatchesReference(DType dtype)
    {
        var inputs = new[] { Random(dtype, 5, 7, 3), Random(dtype, 6, 3, 7).T, Random(dtype, 7, 7, 3) };
        for (int dim = 0; dim <= 2; dim++)
        {
            var s = Tensor.Stack(inputs, dim);
            var expectedShape = new List<int> { 7, 3 };
            expectedShape.Insert(dim, 3);
            Assert.Equal(expectedShape, s.ShapeArray());
            Assert.Equal(ReferenceStack(inputs, dim), Values(s));
        }
        Assert.Equal(Values(Tensor.Stack(inputs, 2)), Values(Tensor.Stack(inputs, -1)));
        Assert.Equal(new[] { 1 }, Tensor.Stack(Tensor.Scalar(3)).ShapeArray());
    }

    [Fact]
    public void StackGradientsAndErrors()
    {
        GradCheck.Check(t => Tensor.Stack([t[0], t[1].T, t[0]], 1), GradCheck.Leaf(2, 3), GradCheck.Leaf(3, 2));
        var e = Assert.Throws<ArgumentException>(() => Tensor.Stack(Tensor.Zeros(2, 3), Tensor.Zeros(2, 3), Tensor.Zeros(3, 2)));
        Assert.Equal("stack: expects each tensor to be equal size, but got [2, 3] at entry 0 and [3, 2] at entry 2", e.Message);
        Assert.Equal("stack: expected a non-empty list of tensors", Assert.Throws<ArgumentException>(() => Tensor.Stack(Array.Empty<Tensor>())).Message);
        Assert.StartsWith("stack: dimension 3 is out of range", Assert.Throws<ArgumentOutOfRangeException>(() => Tensor.Stack([Tensor.Zeros(2, 3)], 3)).Message);
    }

    [Fact]
    public void SplitGivesViewsOfTheRightPieces()
    {
        var x = Random(DType.Float64, 8, 3, 7);
        var pieces = x.Split(3, 1);
        Assert.Equal(3, pieces.Length);
        Assert.Equal(new[] { 3, 3, 1 }, pieces.Select(p => p.Size(1)).ToArray());
        var values = Values(x);
        int start = 0;
        foreach (var p in pieces)
        {
            Assert.Same(x.Storage, p.Storage);
            var pv = Values(p);
            int w = p.Size(1);
            for (int i = 0; i < 3; i++)
                for (int j = 0; j < w; j++)
                    Assert.Equal(values[i * 7 + start + j], pv[i * w + j]);
            start += w;
        }
        // writing into a piece writes into the original: they share storage
        using (Torch.NoGrad()) pieces[2].Fill_(42);
        Assert.Equal(42, x[1, 6].Item<double>());

        Assert.Equal(new[] { 2, 0, 5 }, x.Split([2, 0, 5], -1).Select(p => p.Size(1)).ToArray());
        Assert.Single(x.Split(3, 0));
        Assert.Single(Tensor.Zeros(0, 2).Split(0));
        Assert.Equal(new[] { 4, 4 }, Tensor.Zeros(8).Split(4).Select(p => p.Size(0)).ToArray());
    }

    [Fact]
    public void SplitGradients()
    {
        // reassembling the pieces in reverse order routes each gradient back to its own slice
        GradCheck.Check(t => Tensor.Cat(t[0].Split(2, 1).Reverse().ToArray(), 1), GradCheck.Leaf(3, 5));
        GradCheck.Check(t => Tensor.Cat(t[0].T.Split([1, 3, 1], 0).Reverse().ToArray(), 0), GradCheck.Leaf(3, 5));
        GradCheck.Check(t => t[0].Chunk(3, 0)[1] * 2.0, GradCheck.Leaf(7, 2));
        GradCheck.Check(t => Tensor.Stack(t[0].Unbind(1).Reverse().ToArray(), 0), GradCheck.Leaf(2, 3));
    }

    [Fact]
    public void SplitErrors()
    {
        var x = Tensor.Zeros(2, 5);
        var e1 = Assert.Throws<ArgumentException>(() => x.Split([2, 2], 1));
        Assert.Equal("split_with_sizes: expects split_sizes to sum exactly to 5 (the size of dimension 1 of the input, shape [2, 5]), but got split_sizes=[2, 2] (sum 4)", e1.Message);
        Assert.Contains("non-negative", Assert.Throws<ArgumentException>(() => x.Split([6, -1], 1)).Message);
        Assert.Equal("split: expects split_size to be non-negative, but got split_size=-1", Assert.Throws<ArgumentException>(() => x.Split(-1, 1)).Message);
        Assert.Equal("split: split_size can only be 0 if dimension size is 0, but got dimension 1 of size 5 (shape [2, 5])", Assert.Throws<ArgumentException>(() => x.Split(0, 1)).Message);
        Assert.Equal("split: expects at least a 1-dimensional tensor, got shape []", Assert.Throws<ArgumentException>(() => Tensor.Scalar(1).Split(1)).Message);
        Assert.Equal("chunk: expects `chunks` to be greater than 0, got: 0", Assert.Throws<ArgumentException>(() => x.Chunk(0)).Message);
    }

    [Fact]
    public void ChunkFollowsPyTorch()
    {
        var x = Tensor.Arange(7);
        Assert.Equal(new[] { 3, 3, 1 }, x.Chunk(3).Select(p => p.Size(0)).ToArray());
        // ceil(6 / 4) = 2, so only 3 chunks
        Assert.Equal(new[] { 2, 2, 2 }, Tensor.Arange(6).Chunk(4).Select(p => p.Size(0)).ToArray());
        Assert.Equal(new[] { 1, 1, 1, 1, 1, 1, 1 }, x.Chunk(10).Select(p => p.Size(0)).ToArray());
        Assert.Equal(new long[] { 3, 4, 5 }, x.Chunk(3)[1].ToArray<long>());
        // an empty dim gives the requested number of empty chunks
        Assert.Equal(3, Tensor.Zeros(2, 0).Chunk(3, 1).Length);
        Assert.All(x.Chunk(2), p => Assert.Same(x.Storage, p.Storage));
    }

    [Fact]
    public void UnbindGivesSlices()
    {
        var x = Tensor.Arange(6).Reshape(2, 3);
        var cols = x.Unbind(1);
        Assert.Equal(3, cols.Length);
        Assert.Equal(new long[] { 1, 4 }, cols[1].ToArray<long>());
        Assert.All(cols, c => Assert.Same(x.Storage, c.Storage));
        Assert.Empty(Tensor.Zeros(0, 2).Unbind());
    }

    [Theory]
    [InlineData(DType.Float32)]
    [InlineData(DType.Float64)]
    public void RepeatMatchesReference(DType dtype)
    {
        // a non-contiguous [3, 7] input tiled [2, 3, 1]: out[a, b, c] = x[b % 3, c % 7]
        var x = Random(dtype, 9, 7, 3).T;
        var v = Values(x);
        var r = x.Repeat(2, 3, 1);
        Assert.Equal(new[] { 2, 9, 7 }, r.ShapeArray());
        var expected = new List<double>();
        for (int a = 0; a < 2; a++)
            for (int b = 0; b < 9; b++)
                for (int c = 0; c < 7; c++)
                    expected.Add(v[(b % 3) * 7 + c % 7]);
        Assert.Equal(expected, Values(r));
        // repeating by ones still copies
        var same = x.Repeat(1, 1);
        Assert.NotSame(x.Storage, same.Storage);
        Assert.Equal(v, Values(same));
        Assert.Equal(new[] { 3, 0 }, x.Repeat(1, 0).ShapeArray());
        Assert.Equal(new float[] { 5, 5, 5 }, Tensor.Scalar(5).Repeat(3).ToArray<float>());
    }

    [Fact]
    public void RepeatGradientsAndErrors()
    {
        GradCheck.Check(t => t[0].Repeat(2, 1, 3), GradCheck.Leaf(2, 3));
        GradCheck.Check(t => t[0].T.Repeat(3, 2), GradCheck.Leaf(2, 3));
        Assert.Equal("repeat: the number of repeats [2] can not be smaller than the tensor's rank 2 (shape [2, 3])",
            Assert.Throws<ArgumentException>(() => Tensor.Zeros(2, 3).Repeat(2)).Message);
        Assert.Equal("repeat: repeats must be non-negative, got [1, -1]",
            Assert.Throws<ArgumentException>(() => Tensor.Zeros(2, 3).Repeat(1, -1)).Message);
    }

    [Theory]
    [InlineData(DType.Float32)]
    [InlineData(DType.Int64)]
    public void FlipMatchesReference(DType dtype)
    {
        var x = Strided(dtype, 10, 5, 7, 3);
        var v = Values(x);
        foreach (var dims in new[] { new[] { 0 }, new[] { 1, 2 }, new[] { -1, 0, 1 }, Array.Empty<int>() })
        {
            var f = x.Flip(dims);
            Assert.Equal(new[] { 5, 7, 3 }, f.ShapeArray());
            Assert.NotSame(x.Storage, f.Storage);
            var flipped = dims.Select(d => d < 0 ? d + 3 : d).ToArray();
            var expected = new List<double>();
            for (int i = 0; i < 5; i++)
                for (int j = 0; j < 7; j++)
                    for (int k = 0; k < 3; k++)
                    {
                        int si = flipped.Contains(0) ? 4 - i : i, sj = flipped.Contains(1) ? 6 - j : j, sk = flipped.Contains(2) ? 2 - k : k;
                        expected.Add(v[(si * 7 + sj) * 3 + sk]);
                    }
            Assert.Equal(expected, Values(f));
        }
        Assert.Equal(new[] { 0, 2 }, Tensor.Zeros(0, 2).Flip(0, 1).ShapeArray());
    }

    [Fact]
    public void FlipGradientsAndErrors()
    {
        GradCheck.Check(t => t[0].Flip(1), GradCheck.Leaf(3, 4));
        GradCheck.Check(t => t[0].Permute(2, 0, 1).Flip(0, 2) * t[0].Permute(2, 0, 1), GradCheck.Leaf(2, 3, 4));
        Assert.Equal("flip: dimension 1 appears multiple times in the list of dims [1, -1]",
            Assert.Throws<ArgumentException>(() => Tensor.Zeros(2, 3).Flip(1, -1)).Message);
        Assert.StartsWith("flip: dimension 2 is out of range",
            Assert.Throws<ArgumentOutOfRangeException>(() => Tensor.Zeros(2, 3).Flip(2)).Message);
    }
}
