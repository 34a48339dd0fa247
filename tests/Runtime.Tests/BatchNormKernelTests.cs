namespace DeepGen.Tests;

/// <summary>
/// F.BatchNorm against direct double loops, at sizes that hit the vector loops' tails (rows shorter than a
/// vector, one past a multiple of it), rows of one element ([N, C] inputs), and inputs large enough to be
/// split over threads by channel.
/// </summary>
public class BatchNormKernelTests
{
    /// <summary>Per channel c: the batch mean and biased variance over n and the inner positions.</summary>
    static (double[] Mean, double[] Var) Statistics(double[] x, int n, int channels, int inner)
    {
        var mean = new double[channels];
        var variance = new double[channels];
        for (int c = 0; c < channels; c++)
        {
            double sum = 0;
            for (int b = 0; b < n; b++)
                for (int i = 0; i < inner; i++) sum += x[(b * channels + c) * inner + i];
            mean[c] = sum / (n * inner);
            double squares = 0;
            for (int b = 0; b < n; b++)
                for (int i = 0; i < inner; i++) squares += Math.Pow(x[(b * channels + c) * inner + i] - mean[c], 2);
            variance[c] = squares / (n * inner);
        }
        return (mean, variance);
    }

    /// <summary>y = (x - mean) / sqrt(var + eps) * gamma + beta.</summary>
    static double[] Normalize(double[] x, int n, int channels, int inner, double[] mean, double[] variance, double[]? gamma, double[]? beta, double eps)
    {
        var y = new double[x.Length];
        for (int b = 0; b < n; b++)
            for (int c = 0; c < channels; c++)
                for (int i = 0; i < inner; i++)
                {
                    int at = (b * channels + c) * inner + i;
                    y[at] = (x[at] - mean[c]) / Math.Sqrt(variance[c] + eps) * (gamma?[c] ?? 1) + (beta?[c] ?? 0);
                }
        return y;
    }

    static double[] Values(int count, int seed, double offset)
    {
        var rng = new Random(seed);
        var v = new double[count];
        // float-representable, so float32 and float64 runs see the same numbers
        for (int i = 0; i < count; i++) v[i] = (float)(offset + rng.NextDouble() * 4 - 2);
        return v;
    }

    static void AssertClose(double[] expected, double[] actual, double tol, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            if (!(Math.Abs(expected[i] - actual[i]) <= tol * (1 + Math.Abs(expected[i]))))
                Assert.Fail($"{what}: element {i}: expected {expected[i]:G12}, got {actual[i]:G12}");
    }

    public static TheoryData<int[], double> Shapes => new()
    {
        { [7, 3], 0 },             // rows of one element
        { [2, 3, 1], 0 },
        { [3, 5, 7], 0 },          // rows shorter than a vector
        { [2, 3, 33], 0 },         // a vector multiple plus one
        { [5, 2, 4, 5], 1000 },    // a mean far from zero compared with the spread
        { [1, 4, 17], -3 },        // a single image
        { [8, 16, 47, 47], 0.5 },  // big enough to split channels over threads
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void TrainingForwardMatchesDirectLoops(int[] shape, double offset)
    {
        int n = shape[0], channels = shape[1], inner = shape.Skip(2).Aggregate(1, (a, b) => a * b);
        var xv = Values(n * channels * inner, 1, offset);
        var gamma = Values(channels, 2, 0);
        var beta = Values(channels, 3, 0);
        var (mean, variance) = Statistics(xv, n, channels, inner);
        foreach (var dtype in new[] { DType.Float32, DType.Float64 })
        {
            double tol = dtype == DType.Float32 ? 2e-5 : 1e-10;
            var x = Tensor.FromArray(xv, shape).To(dtype);
            var runningMean = Tensor.Zeros([channels], dtype);
            var runningVar = Tensor.Ones([channels], dtype);
            var y = F.BatchNorm(x, runningMean, runningVar, Tensor.FromArray(gamma).To(dtype), Tensor.FromArray(beta).To(dtype), training: true, momentum: 0.25);
            Assert.Equal(dtype, y.DType);
            Assert.Equal(shape, y.ShapeArray());
            AssertClose(Normalize(xv, n, channels, inner, mean, variance, gamma, beta, 1e-5), y.To(DType.Float64).ToArray<double>(), tol, $"{dtype} affine");

            double count = n * inner;
            AssertClose(mean.Select(m => 0.25 * m).ToArray(), runningMean.To(DType.Float64).ToArray<double>(), tol, "running mean");
            AssertClose(variance.Select(v => 0.75 + 0.25 * v * count / (count - 1)).ToArray(), runningVar.To(DType.Float64).ToArray<double>(), tol, "running var");

            var plain = F.BatchNorm(x, null, null, training: true);
            AssertClose(Normalize(xv, n, channels, inner, mean, variance, null, null, 1e-5), plain.To(DType.Float64).ToArray<double>(), tol, $"{dtype} plain");
        }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void EvalForwardMatchesDirectLoops(int[] shape, double offset)
    {
        int n = shape[0], channels = shape[1], inner = shape.Skip(2).Aggregate(1, (a, b) => a * b);
        var xv = Values(n * channels * inner, 4, offset);
        var mean = Values(channels, 5, offset);
        var variance = Values(channels, 6, 3);
        var gamma = Values(channels, 7, 0);
        foreach (var dtype in new[] { DType.Float32, DType.Float64 })
        {
            var x = Tensor.FromArray(xv, shape).To(dtype);
            var y = F.BatchNorm(x, Tensor.FromArray(mean).To(dtype), Tensor.FromArray(variance).To(dtype), Tensor.FromArray(gamma).To(dtype), null, eps: 1e-3);
            AssertClose(Normalize(xv, n, channels, inner, mean, variance, gamma, null, 1e-3), y.To(DType.Float64).ToArray<double>(),
                dtype == DType.Float32 ? 2e-5 : 1e-10, $"{dtype}");
        }
    }

    /// <summary>
    /// Gradients of sum(bn(x) * probe), by the textbook formulas in double: with batch statistics
    /// dx = gamma * invStd / M * (M * g - sum(g) - xhat * sum(g * xhat)), otherwise dx = g * gamma * invStd;
    /// dgamma = sum(g * xhat), dbeta = sum(g).
    /// </summary>
    [Theory]
    [MemberData(nameof(Shapes))]
    public void BackwardMatchesDirectLoops(int[] shape, double offset)
    {
        int n = shape[0], channels = shape[1], inner = shape.Skip(2).Aggregate(1, (a, b) => a * b);
        double count = n * inner;
        var xv = Values(n * channels * inner, 8, offset);
        var probe = Values(xv.Length, 9, 0);
        var gamma = Values(channels, 10, 0);
        var runMean = Values(channels, 11, offset);
        var runVar = Values(channels, 12, 3);
        foreach (bool training in new[] { true, false })
        {
            var (mean, variance) = training ? Statistics(xv, n, channels, inner) : (runMean, runVar);
            var dx = new double[xv.Length];
            var dgamma = new double[channels];
            var dbeta = new double[channels];
            for (int c = 0; c < channels; c++)
            {
                double invStd = 1 / Math.Sqrt(variance[c] + 1e-5), sumG = 0, sumGXhat = 0;
                for (int b = 0; b < n; b++)
                    for (int i = 0; i < inner; i++)
                    {
                        int at = (b * channels + c) * inner + i;
                        sumG += probe[at];
                        sumGXhat += probe[at] * (xv[at] - mean[c]) * invStd;
                    }
                dgamma[c] = sumGXhat;
                dbeta[c] = sumG;
                for (int b = 0; b < n; b++)
                    for (int i = 0; i < inner; i++)
                    {
                        int at = (b * channels + c) * inner + i;
                        double xhat = (xv[at] - mean[c]) * invStd;
                        dx[at] = training
                            ? gamma[c] * invStd / count * (count * probe[at] - sumG - xhat * sumGXhat)
                            : probe[at] * gamma[c] * invStd;
                    }
            }
            foreach (var dtype in new[] { DType.Float32, DType.Float64 })
            {
                double tol = dtype == DType.Float32 ? 1e-4 : 1e-9;
                var x = Tensor.FromArray(xv, shape).To(dtype).RequiresGrad_();
                var weight = Tensor.FromArray(gamma).To(dtype).RequiresGrad_();
                var bias = Tensor.Zeros([channels], dtype).RequiresGrad_();
                var y = F.BatchNorm(x, Tensor.FromArray(runMean).To(dtype), Tensor.FromArray(runVar).To(dtype), weight, bias, training);
                (y * Tensor.FromArray(probe, shape).To(dtype)).Sum().Backward();
                string what = $"{dtype} training={training}";
                AssertClose(dx, x.Grad!.To(DType.Float64).ToArray<double>(), tol, $"{what} input grad");
                AssertClose(dgamma, weight.Grad!.To(DType.Float64).ToArray<double>(), tol, $"{what} weight grad");
                AssertClose(dbeta, bias.Grad!.To(DType.Float64).ToArray<double>(), tol, $"{what} bias grad");
            }
        }
    }

    [Fact]
    public void GradCheckInTrainingAndEval()
    {
        var runningMean = Tensor.FromArray(new double[] { 0.5, -1, 2 });
        var runningVar = Tensor.FromArray(new double[] { 1.5, 0.5, 2 });
        foreach (bool training in new[] { true, false })
        {
            GradCheck.Check(t => F.BatchNorm(t[0], runningMean.Clone(), runningVar.Clone(), t[1], t[2], training),
                GradCheck.Leaf(4, 3, 5), GradCheck.Leaf(3), GradCheck.Leaf(3));
            // rows of one element, and a non-contiguous input
            GradCheck.Check(t => F.BatchNorm(t[0], runningMean.Clone(), runningVar.Clone(), t[1], null, training), GradCheck.Leaf(6, 3), GradCheck.Leaf(3));
            GradCheck.Check(t => F.BatchNorm(t[0].Transpose(1, 3), runningMean.Clone(), runningVar.Clone(), null, t[1], training),
                GradCheck.Leaf(2, 4, 5, 3), GradCheck.Leaf(3));
        }
        // only the input needs a gradient; only the parameters do
        GradCheck.Check(t => F.BatchNorm(t[0], null, null, Tensor.FromArray(new double[] { 2, -1 }), null, training: true), GradCheck.Leaf(3, 2, 9));
        GradCheck.Check(t => F.BatchNorm(Tensor.Randn([3, 2, 9], DType.Float64, new Generator(3)), null, null, t[0], t[1], training: true),
            GradCheck.Leaf(2), GradCheck.Leaf(2));
    }

    [Fact]
    public void ConstantChannelHasZeroVarianceAndFiniteOutput()
    {
        var x = Tensor.Full([4, 2, 9], 3.25, DType.Float32);
        var y = F.BatchNorm(x, null, null, training: true).ToArray<float>();
        Assert.All(y, v => Assert.Equal(0f, v));
    }

    [Fact]
    public void Errors()
    {
        var e = Assert.Throws<ArgumentException>(() => F.BatchNorm(Tensor.Zeros(2, 3, 4), Tensor.Zeros(4), Tensor.Ones(3)));
        Assert.Equal("batch_norm: running_mean of shape [4] does not match the 3 channels of input [2, 3, 4]", e.Message);
        e = Assert.Throws<ArgumentException>(() => F.BatchNorm(Tensor.Zeros(5), null, null, training: true));
        Assert.Equal("batch_norm: expected an input of shape [N, C, *], got [5]", e.Message);
        e = Assert.Throws<ArgumentException>(() => F.BatchNorm(Tensor.Zeros(2, 3), null, null));
        Assert.Equal("batch_norm: running_mean and running_var are needed when not training", e.Message);
    }
}
