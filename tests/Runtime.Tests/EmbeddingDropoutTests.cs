namespace DeepGen.Tests;

public class EmbeddingDropoutTests
{
    // ---- embedding ----

    [Theory]
    [InlineData(DType.Float32)]
    [InlineData(DType.Float64)]
    public void EmbeddingMatchesReference(DType dtype)
    {
        int num = 33, dim = 7;
        // a non-contiguous weight: the transpose of a [dim, num] tensor
        var weight = Tensor.Randn([dim, num], DType.Float64, new Generator(1)).To(dtype).T;
        var w = weight.To(DType.Float64).ToArray<double>();
        foreach (var indices in new[]
        {
            Tensor.Randint(0, num, [3, 5], new Generator(2)),
            Tensor.Randint(0, num, [5, 3], new Generator(3)).T,
            Tensor.FromArray(new long[] { 32, 0, 0, 1 }),
            Tensor.Scalar(4, DType.Int64),
            Tensor.Zeros([0, 2], DType.Int64),
        })
        {
            var result = F.Embedding(indices, weight);
            Assert.Equal([.. indices.ShapeArray(), dim], result.ShapeArray());
            Assert.Equal(dtype, result.DType);
            var ids = indices.ToArray<long>();
            var expected = new double[ids.Length * dim];
            for (int i = 0; i < ids.Length; i++)
                for (int j = 0; j < dim; j++)
                    expected[i * dim + j] = w[ids[i] * dim + j];
            Assert.Equal(expected, result.To(DType.Float64).ToArray<double>());
        }
    }

    [Fact]
    public void EmbeddingGradients()
    {
        var indices = Tensor.FromArray(new long[] { 1, 4, 1, 0, 4, 4 }, 2, 3);
        GradCheck.Check(t => F.Embedding(indices, t[0]), GradCheck.Leaf(5, 3));
        GradCheck.Check(t => F.Embedding(indices.T, t[0].T), GradCheck.Leaf(3, 5));
    }

    [Fact]
    public void PaddingRowGetsNoGradient()
    {
        var weight = Tensor.Ones([4, 2], DType.Float64).RequiresGrad_();
        var indices = Tensor.FromArray(new long[] { 3, 1, 3, 3, 0, 1 });
        var y = F.Embedding(indices, weight, paddingIdx: 1);
        // the padding row is still looked up in the forward pass, as in PyTorch
        Assert.Equal(12, y.Sum().Item<double>());
        y.Sum().Backward();
        Assert.Equal(new double[] { 1, 1, 0, 0, 0, 0, 3, 3 }, weight.Grad!.ToArray<double>());

        weight.Grad = null;
        F.Embedding(indices, weight, paddingIdx: -1).Sum().Backward();
        Assert.Equal(new double[] { 1, 1, 2, 2, 0, 0, 0, 0 }, weight.Grad!.ToArray<double>());
    }

    [Fact]
    public void EmbeddingErrors()
    {
        var weight = Tensor.Zeros(10, 3);
        var e1 = Assert.Throws<IndexOutOfRangeException>(() => F.Embedding(Tensor.FromArray(new long[] { 0, 9, 2, 10, 1, 1 }, 2, 3), weight));
        Assert.Equal("embedding: index 10 at position [1, 0] is out of range for num_embeddings 10 (weight shape [10, 3], indices shape [2, 3])", e1.Message);
        var e2 = Assert.Throws<IndexOutOfRangeException>(() => F.Embedding(Tensor.FromArray(new long[] { -1 }), weight));
        Assert.StartsWith("embedding: index -1 at position [0] is out of range for num_embeddings 10", e2.Message);
        Assert.Equal("embedding: expected indices to be an int64 tensor, got float32 (indices shape [2])",
            Assert.Throws<ArgumentException>(() => F.Embedding(Tensor.Zeros(2), weight)).Message);
        Assert.Equal("embedding: weight must be 2-D [num_embeddings, embedding_dim], got shape [10]",
            Assert.Throws<ArgumentException>(() => F.Embedding(Tensor.Zeros([2], DType.Int64), Tensor.Zeros(10))).Message);
        Assert.StartsWith("embedding: padding_idx 10 must be within num_embeddings 10",
            Assert.Throws<ArgumentOutOfRangeException>(() => F.Embedding(Tensor.Zeros([2], DType.Int64), weight, 10)).Message);
        Assert.StartsWith("embedding: padding_idx -11 must be within num_embeddings 10",
            Assert.Throws<ArgumentOutOfRangeException>(() => F.Embedding(Tensor.Zeros([2], DType.Int64), weight, -11)).Message);
    }

    // ---- dropout ----

    [Fact]
    public void DropoutIsReproducibleWithTheSameSeed()
    {
        var x = Tensor.Randn([7, 33], DType.Float32, new Generator(1));
        var a = F.Dropout(x, 0.3, generator: new Generator(42)).ToArray<float>();
        var b = F.Dropout(x, 0.3, generator: new Generator(42)).ToArray<float>();
        var c = F.Dropout(x, 0.3, generator: new Generator(43)).ToArray<float>();
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
        Torch.ManualSeed(5);
        var d = F.Dropout(x).ToArray<float>();
        Torch.ManualSeed(5);
        Assert.Equal(d, F.Dropout(x).ToArray<float>());
    }

    [Theory]
    [InlineData(DType.Float32, 0.3)]
    [InlineData(DType.Float64, 0.5)]
    [InlineData(DType.Float64, 0.9)]
    public void DropoutZeroesAboutPAndPreservesTheMean(DType dtype, double p)
    {
        const int n = 100_000;
        var x = Tensor.Ones([n], dtype);
        var y = F.Dropout(x, p, generator: new Generator(7)).To(DType.Float64).ToArray<double>();
        double scale = 1 / (1 - p);
        int zeros = 0;
        double sum = 0;
        foreach (var v in y)
        {
            if (v == 0) zeros++;
            else Assert.Equal(scale, v, dtype == DType.Float32 ? 1e-6 : 1e-12);
            sum += v;
        }
        // within 4 standard deviations: the dropped fraction's is sqrt(p(1-p)/n), the mean's sqrt(p/(1-p)/n)
        double fractionTolerance = 4 * Math.Sqrt(p * (1 - p) / n), meanTolerance = 4 * Math.Sqrt(p / (1 - p) / n);
        Assert.InRange((double)zeros / n, p - fractionTolerance, p + fractionTolerance);
        Assert.InRange(sum / n, 1 - meanTolerance, 1 + meanTolerance);
    }

    [Fact]
    public void DropoutOfAStridedInputMasksInRowMajorOrder()
    {
        var x = Tensor.Randn([5, 3], DType.Float64, new Generator(2));
        var strided = F.Dropout(x.T, 0.4, generator: new Generator(9));
        var contiguous = F.Dropout(x.T.Contiguous(), 0.4, generator: new Generator(9));
        Assert.Equal(new[] { 3, 5 }, strided.ShapeArray());
        Assert.Equal(contiguous.ToArray<double>(), strided.ToArray<double>());
    }

    [Fact]
    public void DropoutGradientUsesTheSameMask()
    {
        var x = Tensor.Ones([7, 5], DType.Float64).RequiresGrad_();
        var y = F.Dropout(x, 0.4, generator: new Generator(3));
        y.Sum().Backward();
        // with x = 1 the output is the mask itself, and so is the gradient
        Assert.Equal(y.Detach().ToArray<double>(), x.Grad!.ToArray<double>());
        Assert.Contains(0.0, x.Grad!.ToArray<double>());

        GradCheck.Check(t => F.Dropout(t[0], 0.4, generator: new Generator(11)), GradCheck.Leaf(7, 5));
        GradCheck.Check(t => F.Dropout(t[0].T, 0.2, generator: new Generator(12)), GradCheck.Leaf(3, 4));
    }

    [Fact]
    public void DropoutSpecialCases()
    {
        var x = GradCheck.Leaf(4, 3);
        Assert.Same(x, F.Dropout(x, 0.5, training: false));
        Assert.Same(x, F.Dropout(x, 0));
        var zeros = F.Dropout(x, 1);
        Assert.All(zeros.ToArray<double>(), v => Assert.Equal(0, v));
        zeros.Sum().Backward();
        Assert.All(x.Grad!.ToArray<double>(), v => Assert.Equal(0, v));
        // outside training the dtype is not checked: dropout is the identity
        var ints = Tensor.Arange(3);
        Assert.Same(ints, F.Dropout(ints, 0.5, training: false));
    }

    [Fact]
    public void DropoutErrors()
    {
        foreach (var p in new[] { -0.1, 1.5, double.NaN })
        {
            var e = Assert.Throws<ArgumentOutOfRangeException>(() => F.Dropout(Tensor.Ones(3), p));
            Assert.StartsWith($"dropout: probability has to be between 0 and 1, but got {p}", e.Message);
        }
        Assert.Equal("dropout: expected a floating point tensor, got int64 (shape [3])",
            Assert.Throws<ArgumentException>(() => F.Dropout(Tensor.Arange(3), 0.5)).Message);
    }
}
