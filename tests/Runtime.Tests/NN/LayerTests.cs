namespace DeepGen.Tests;

public class LayerTests
{
    static Tensor Input(params int[] shape) => Tensor.Randn(shape, DType.Float64, new Generator(42));

    [Fact]
    public void LinearMatchesReferenceAndGradients()
    {
        var layer = new Linear(5, 3, dtype: DType.Float64);
        var x = Input(4, 5);
        var y = layer.Forward(x).ToArray<double>();
        var w = layer.Weight.ToArray<double>();
        var b = layer.Bias!.ToArray<double>();
        var xs = x.ToArray<double>();
        for (int i = 0; i < 4; i++)
            for (int o = 0; o < 3; o++)
            {
                double expected = b[o];
                for (int k = 0; k < 5; k++) expected += xs[i * 5 + k] * w[o * 5 + k];
                Assert.Equal(expected, y[i * 3 + o], 12);
            }
        ModuleGradCheck.Check(() => (layer.Forward(x) * layer.Forward(x)).Sum(), layer.Parameters());
    }

    [Fact]
    public void LinearInitialisationBoundsFollowPyTorch()
    {
        var layer = new Linear(100, 50);
        double bound = 1 / Math.Sqrt(100);
        Assert.All(layer.Weight.ToArray<float>(), v => Assert.InRange(v, -bound, bound));
        Assert.All(layer.Bias!.ToArray<float>(), v => Assert.InRange(v, -bound, bound));
        // a uniform distribution on [-b, b] has standard deviation b / sqrt(3)
        var w = layer.Weight.ToArray<float>().Select(v => (double)v).ToArray();
        double std = Math.Sqrt(w.Select(v => v * v).Average());
        Assert.InRange(std, 0.9 * bound / Math.Sqrt(3), 1.1 * bound / Math.Sqrt(3));
    }

    [Fact]
    public void Conv2dGradients()
    {
        var conv = new Conv2d(4, 6, kernelSize: 3, stride: 2, padding: 1, groups: 2, dtype: DType.Float64);
        var x = Input(2, 4, 5, 5);
        Assert.Equal(new[] { 2, 6, 3, 3 }, conv.Forward(x).ShapeArray());
        ModuleGradCheck.Check(() => (conv.Forward(x) * conv.Forward(x)).Sum(), conv.Parameters());
    }

    [Fact]
    public void BatchNormTrainingNormalisesAndUpdatesRunningStatistics()
    {
        var bn = new BatchNorm2d(3, dtype: DType.Float64);
        var x = Input(4, 3, 2, 2) * 3.0 + 1.0;
        var y = bn.Forward(x);
        var perChannelMean = y.Transpose(0, 1).Reshape(3, -1).Sum(1) / 16.0;
        Assert.All(perChannelMean.ToArray<double>(), m => Assert.Equal(0, m, 10));

        var xs = x.ToArray<double>();
        for (int c = 0; c < 3; c++)
        {
            var values = Enumerable.Range(0, 4).SelectMany(n => Enumerable.Range(0, 4).Select(i => xs[(n * 3 + c) * 4 + i])).ToArray();
            double mean = values.Average();
            double unbiased = values.Select(v => (v - mean) * (v - mean)).Sum() / (values.Length - 1);
            Assert.Equal(0.1 * mean, bn.RunningMean!.ToArray<double>()[c], 10);
            Assert.Equal(0.9 + 0.1 * unbiased, bn.RunningVar!.ToArray<double>()[c], 10);
        }
        Assert.Equal(1L, bn.NumBatchesTracked!.Item<long>());
    }

    [Fact]
    public void BatchNormGradientsInTrainAndEval()
    {
        var bn = new BatchNorm2d(3, dtype: DType.Float64);
        using (Torch.NoGrad())
        {
            Init.Normal_(bn.Weight!);
            Init.Normal_(bn.Bias!);
        }
        var x = Input(3, 3, 2, 2).RequiresGrad_();
        var probe = Input(3, 3, 2, 2);
        ModuleGradCheck.Check(() => (bn.Forward(x) * probe).Sum(), [.. bn.Parameters(), x]);
        bn.Eval();
        ModuleGradCheck.Check(() => (bn.Forward(x) * probe).Sum(), [.. bn.Parameters(), x]);
    }

    [Fact]
    public void BatchNormEvalUsesRunningStatistics()
    {
        var bn = new BatchNorm1d(2, dtype: DType.Float64);
        using (Torch.NoGrad())
        {
            bn.RunningMean!.CopyRaw(Tensor.FromArray(new double[] { 1, -1 }));
            bn.RunningVar!.CopyRaw(Tensor.FromArray(new double[] { 4, 9 }));
        }
        bn.Eval();
        var y = bn.Forward(Tensor.FromArray(new double[] { 3, 2 }, 1, 2)).ToArray<double>();
        Assert.Equal(2 / Math.Sqrt(4 + 1e-5), y[0], 12);
        Assert.Equal(3 / Math.Sqrt(9 + 1e-5), y[1], 12);
    }

    [Fact]
    public void BatchNormRejectsOneValuePerChannelInTraining()
    {
        var e = Assert.Throws<ArgumentException>(() => new BatchNorm1d(3).Forward(Tensor.Zeros(1, 3)));
        Assert.Equal("batch_norm: expected more than 1 value per channel when training, got input size [1, 3]", e.Message);
        var rank = Assert.Throws<ArgumentException>(() => new BatchNorm2d(3).Forward(Tensor.Zeros(2, 3)));
        Assert.Equal("BatchNorm2d: expected a 4-D input [N, C, H, W], got [2, 3]", rank.Message);
    }

    [Fact]
    public void LayerNormModuleGradients()
    {
        var ln = new LayerNorm(4, dtype: DType.Float64);
        using (Torch.NoGrad())
        {
            Init.Normal_(ln.Weight!);
            Init.Normal_(ln.Bias!);
        }
        var x = Input(3, 4).RequiresGrad_();
        var probe = Input(3, 4);
        ModuleGradCheck.Check(() => (ln.Forward(x) * probe).Sum(), [.. ln.Parameters(), x]);
    }

    [Fact]
    public void EmbeddingPaddingRowIsZeroAndGetsNoGradient()
    {
        var emb = new Embedding(5, 3, paddingIdx: 0, dtype: DType.Float64);
        Assert.All(emb.Weight.Select(0, 0).ToArray<double>(), v => Assert.Equal(0, v));
        var ids = Tensor.FromArray(new long[] { 0, 2, 2, 4 }, 2, 2);
        var y = emb.Forward(ids);
        Assert.Equal(new[] { 2, 2, 3 }, y.ShapeArray());
        y.Sum().Backward();
        var grad = emb.Weight.Grad!.ToArray<double>();
        Assert.Equal(new double[] { 0, 0, 0 }, grad[0..3]);
        Assert.Equal(new double[] { 2, 2, 2 }, grad[6..9]);
    }

    [Fact]
    public void DropoutIsIdentityInEval()
    {
        var d = new Dropout(0.5);
        var x = Tensor.Ones(100);
        Assert.Contains(0f, d.Forward(x).ToArray<float>());
        d.Eval();
        Assert.Equal(x.ToArray<float>(), d.Forward(x).ToArray<float>());
    }

    [Fact]
    public void SequentialChainsAndRejectsModulesWithoutTensorForward()
    {
        var seq = new Sequential(new Linear(4, 8), new ReLU(), new Linear(8, 2), new Flatten());
        Assert.Equal(new[] { 3, 2 }, seq.Forward(Tensor.Randn(3, 4)).ShapeArray());
        var e = Assert.Throws<ArgumentException>(() => new Sequential(new MultiheadAttention(4, 2)));
        Assert.Contains("Sequential: MultiheadAttention has no single-tensor Forward", e.Message);
    }

    [Fact]
    public void ActivationModulesMatchFunctions()
    {
        var x = Input(7);
        Assert.Equal(F.Relu(x).ToArray<double>(), new ReLU().Forward(x).ToArray<double>());
        Assert.Equal(F.Gelu(x, "tanh").ToArray<double>(), new GELU("tanh").Forward(x).ToArray<double>());
        Assert.Equal(F.Silu(x).ToArray<double>(), new SiLU().Forward(x).ToArray<double>());
        Assert.Equal(F.Tanh(x).ToArray<double>(), new Tanh().Forward(x).ToArray<double>());
        Assert.Throws<ArgumentException>(() => new GELU("fast"));
    }

    [Fact]
    public void MultiheadAttentionMatchesReferenceAndGradients()
    {
        var mha = new MultiheadAttention(8, 2, batchFirst: true, dtype: DType.Float64);
        using (Torch.NoGrad()) Init.Normal_(mha.InProjBias!, 0, 0.1);
        var x = Input(2, 5, 8);
        var (output, weights) = mha.Forward(x, x, x, isCausal: true);
        Assert.Equal(new[] { 2, 5, 8 }, output.ShapeArray());
        Assert.Equal(new[] { 2, 5, 5 }, weights!.ShapeArray());
        // causal: row i puts no weight on columns after i
        var w = weights.ToArray<double>();
        for (int b = 0; b < 2; b++)
            for (int i = 0; i < 5; i++)
                for (int j = 0; j < 5; j++)
                    if (j > i) Assert.Equal(0, w[(b * 5 + i) * 5 + j]);
                    else Assert.True(w[(b * 5 + i) * 5 + j] > 0);

        Assert.Equal(Reference(mha, x), output.ToArray<double>(), new ToleranceComparer(1e-10));
        var probe = Input(2, 5, 8);
        ModuleGradCheck.Check(() => (mha.Forward(x, x, x, isCausal: true).Output * probe).Sum(), mha.Parameters());
    }

    /// <summary>Attention written out with plain loops, head by head.</summary>
    static double[] Reference(MultiheadAttention mha, Tensor x)
    {
        int batch = x.Size(0), length = x.Size(1), e = mha.EmbedDim, heads = mha.NumHeads, d = e / heads;
        var xs = x.ToArray<double>();
        var w = mha.InProjWeight.ToArray<double>();
        var bias = mha.InProjBias!.ToArray<double>();
        var wo = mha.OutProj.Weight.ToArray<double>();
        var bo = mha.OutProj.Bias!.ToArray<double>();
        double Proj(int part, int b, int t, int f)
        {
            double s = bias[part * e + f];
            for (int k = 0; k < e; k++) s += xs[(b * length + t) * e + k] * w[(part * e + f) * e + k];
            return s;
        }
        var result = new double[batch * length * e];
        for (int b = 0; b < batch; b++)
        {
            var merged = new double[length, e];
            for (int h = 0; h < heads; h++)
                for (int i = 0; i < length; i++)
                {
                    var scores = new double[i + 1];
                    for (int j = 0; j <= i; j++)
                    {
                        double s = 0;
                        for (int f = h * d; f < (h + 1) * d; f++) s += Proj(0, b, i, f) * Proj(1, b, j, f);
                        scores[j] = s / Math.Sqrt(d);
                    }
                    double max = scores.Max(), total = scores.Sum(s => Math.Exp(s - max));
                    for (int f = h * d; f < (h + 1) * d; f++)
                        for (int j = 0; j <= i; j++) merged[i, f] += Math.Exp(scores[j] - max) / total * Proj(2, b, j, f);
                }
            for (int i = 0; i < length; i++)
                for (int o = 0; o < e; o++)
                {
                    double s = bo[o];
                    for (int f = 0; f < e; f++) s += merged[i, f] * wo[o * e + f];
                    result[(b * length + i) * e + o] = s;
                }
        }
        return result;
    }

    [Fact]
    public void MultiheadAttentionStateDictKeys()
    {
        Assert.Equal(new[] { "in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias" }, new MultiheadAttention(8, 2).StateDict().Keys);
        var e = Assert.Throws<ArgumentException>(() => new MultiheadAttention(10, 3));
        Assert.Equal("MultiheadAttention: embed_dim (10) must be divisible by num_heads (3)", e.Message);
    }

    [Fact]
    public void InitFunctionsFollowPyTorchFormulas()
    {
        var t = Tensor.Zeros(300, 200);
        Init.XavierUniform_(t, generator: new Generator(1));
        double bound = Math.Sqrt(6.0 / 500);
        Assert.All(t.ToArray<float>(), v => Assert.InRange(v, -bound, bound));
        Assert.Equal(Math.Sqrt(2.0 / (1 + 5)), Init.CalculateGain("leaky_relu", Math.Sqrt(5)), 12);
        Assert.Equal((3 * 9, 4 * 9), Init.CalculateFanInAndFanOut(Tensor.Zeros(4, 3, 3, 3)));
    }

    sealed class ToleranceComparer(double tolerance) : IEqualityComparer<double>
    {
        public bool Equals(double a, double b) => Math.Abs(a - b) <= tolerance;
        public int GetHashCode(double value) => 0;
    }
}
