using static DeepGen.Tests.ReferenceData;

namespace DeepGen.Tests;

public class LossTests
{
    static readonly string[] Reductions = ["none", "mean", "sum"];

    /// <summary>
    /// PyTorch's cross_entropy (or nll_loss when <paramref name="logits"/> is false) by its documented
    /// definition, sample by sample; returns the per-sample losses and the mean's divisor.
    /// </summary>
    static (double[] Losses, double WeightSum) RefClassLoss(double[] x, int[] shape, long[] target, double[]? w, long ignore, double eps, bool logits)
    {
        int n = shape.Length == 1 ? 1 : shape[0], c = shape.Length == 1 ? shape[0] : shape[1];
        int s = shape.Length <= 2 ? 1 : shape[2..].Aggregate(1, (a, b) => a * b);
        var losses = new double[n * s];
        double weightSum = 0;
        for (int i = 0; i < n; i++)
            for (int k = 0; k < s; k++)
            {
                var z = new double[c];
                for (int j = 0; j < c; j++) z[j] = x[(i * c + j) * s + k];
                var logp = z;
                if (logits)
                {
                    double lse = Math.Log(z.Sum(Math.Exp));
                    logp = z.Select(v => v - lse).ToArray();
                }
                long t = target[i * s + k];
                if (t == ignore) continue;
                double wt = w?[t] ?? 1;
                double smooth = 0;
                for (int j = 0; j < c; j++) smooth += -(w?[j] ?? 1) * logp[j];
                losses[i * s + k] = (1 - eps) * -wt * logp[t] + eps / c * smooth;
                weightSum += wt;
            }
        return (losses, weightSum);
    }

    static double[] Reduced(double[] losses, double divisor, string reduction) => reduction switch
    {
        "none" => losses,
        "sum" => [losses.Sum()],
        _ => [losses.Sum() / divisor],
    };

    static long[] Targets(int count, int classes, int seed, long ignore)
    {
        var random = new Random(seed);
        // about one in five targets is the ignore index
        return Enumerable.Range(0, count).Select(_ => random.Next(5) == 0 ? ignore : random.Next(classes)).Select(v => (long)v).ToArray();
    }

    [Fact]
    public void CrossEntropyAndNllMatchReference()
    {
        var cases = new (int[] Input, int[] Target)[] { ([1, 1], [1]), ([7, 33], [7]), ([3, 5, 4], [3, 4]), ([2, 3, 2, 3], [2, 2, 3]), ([6], []) };
        foreach (var dtype in FloatTypes)
            foreach (var (inShape, tShape) in cases)
            {
                int n = inShape.Aggregate(1, (a, b) => a * b), c = inShape.Length == 1 ? inShape[0] : inShape[1];
                var (x, xs) = Make(Values(n, n, scale: 3), inShape, dtype);
                var (w, ws) = Make(Values(c, c).Select(v => 1.5 + v / 3).ToArray(), [c], dtype);
                foreach (var ignore in new long[] { -100, 0 })
                {
                    var targets = Targets(Math.Max(1, tShape.Aggregate(1, (a, b) => a * b)), c, n, ignore);
                    var target = Tensor.FromArray(targets, tShape);
                    foreach (var weighted in new[] { false, true })
                        foreach (var reduction in Reductions)
                        {
                            var weight = weighted ? w : null;
                            var weights = weighted ? ws : null;
                            foreach (var eps in new[] { 0.0, 0.1, 1.0 })
                            {
                                var (losses, divisor) = RefClassLoss(xs, inShape, targets, weights, ignore, eps, logits: true);
                                var ce = F.CrossEntropy(x, target, weight, ignore, reduction, eps);
                                Assert.Equal(dtype, ce.DType);
                                Assert.Equal(reduction == "none" ? tShape : [], ce.ShapeArray());
                                AssertClose(Reduced(losses, divisor, reduction), ce, Tolerance(dtype) * 10);
                            }
                            var (nll, nllDivisor) = RefClassLoss(xs, inShape, targets, weights, ignore, 0, logits: false);
                            AssertClose(Reduced(nll, nllDivisor, reduction), F.NllLoss(x, target, weight, ignore, reduction), Tolerance(dtype) * 10);
                        }
                }
            }
    }

    [Fact]
    public void CrossEntropyMatchesHandDerivedValues()
    {
        // row 0: softmax [1/8, 2/8, 5/8], target 2; row 1: softmax [3/5, 1/5, 1/5], target 0; row 2 ignored
        var x = Tensor.FromArray(new[] { 0, Math.Log(2), Math.Log(5), Math.Log(3), 0, 0, 7, -3, 1 }, 3, 3);
        var target = Tensor.FromArray(new long[] { 2, 0, -100 });
        var w = Tensor.FromArray(new double[] { 3, 2, 1 });
        double a = Math.Log(8.0 / 5), b = Math.Log(5.0 / 3);
        AssertClose(new[] { a, b, 0 }, F.CrossEntropy(x, target, reduction: "none"), 1e-15);
        AssertClose((a + b) / 2, F.CrossEntropy(x, target), 1e-15);
        AssertClose(a + b, F.CrossEntropy(x, target, reduction: "sum"), 1e-15);
        // weighted mean divides by the weights of the targets that count: w[2] + w[0]
        AssertClose((1 * a + 3 * b) / 4, F.CrossEntropy(x, target, w), 1e-15);
        AssertClose(1 * a + 3 * b, F.CrossEntropy(x, target, w, reduction: "sum"), 1e-15);
        AssertClose(new[] { 1 * a, 3 * b, 0 }, F.CrossEntropy(x, target, w, reduction: "none"), 1e-15);
        // label smoothing 0.1: 0.9 * nll + 0.1 / 3 * sum over classes of -w[c] * log p[c]
        double[] minusLogP0 = [Math.Log(8), Math.Log(4), Math.Log(8.0 / 5)], minusLogP1 = [Math.Log(5.0 / 3), Math.Log(5), Math.Log(5)];
        double s0 = 0.9 * a + 0.1 / 3 * minusLogP0.Sum(), s1 = 0.9 * b + 0.1 / 3 * minusLogP1.Sum();
        AssertClose(new[] { s0, s1, 0 }, F.CrossEntropy(x, target, reduction: "none", labelSmoothing: 0.1), 1e-15);
        AssertClose((s0 + s1) / 2, F.CrossEntropy(x, target, labelSmoothing: 0.1), 1e-15);
        double[] wv = [3, 2, 1];
        double ws0 = 0.9 * 1 * a + 0.1 / 3 * Enumerable.Range(0, 3).Sum(c => wv[c] * minusLogP0[c]);
        double ws1 = 0.9 * 3 * b + 0.1 / 3 * Enumerable.Range(0, 3).Sum(c => wv[c] * minusLogP1[c]);
        AssertClose((ws0 + ws1) / 4, F.CrossEntropy(x, target, w, labelSmoothing: 0.1), 1e-15);
        // nll_loss takes log-probabilities as they are
        AssertClose((1.5 - 7.5) / 4, F.NllLoss(Tensor.FromArray(new[] { 0, 0, -1.5, 2.5, 0, 0 }, 2, 3), target[..2], w), 1e-15);
    }

    [Fact]
    public void CrossEntropyEqualsNllOfLogSoftmax()
    {
        var x = Tensor.FromArray(Values(60, 4, scale: 2), 3, 5, 4);
        var target = Tensor.FromArray(Targets(12, 5, 4, -100), 3, 4);
        var w = Tensor.FromArray(new double[] { 1, 2, 0.5, 1, 3 });
        foreach (var reduction in Reductions)
            AssertClose(F.NllLoss(x.LogSoftmax(1), target, w, reduction: reduction).ToArray<double>(), F.CrossEntropy(x, target, w, reduction: reduction), 1e-14);
    }

    [Fact]
    public void AllTargetsIgnored()
    {
        var x = Tensor.FromArray(Values(6, 1), 2, 3);
        var target = Tensor.FromArray(new long[] { -100, -100 });
        Assert.True(double.IsNaN(F.CrossEntropy(x, target).Item<double>()));
        Assert.Equal(0.0, F.CrossEntropy(x, target, reduction: "sum").Item<double>());
        Assert.Equal(new double[] { 0, 0 }, F.NllLoss(x, target, reduction: "none").ToArray<double>());
    }

    [Fact]
    public void CrossEntropyIsStableForLargeLogits()
    {
        foreach (var dtype in FloatTypes)
        {
            var x = Tensor.FromArray(new double[] { 1000, -1000, -1000, 1000, 1000, 1000 }, 3, 2).To(dtype).RequiresGrad_();
            var target = Tensor.FromArray(new long[] { 0, 0, 1 });
            var loss = F.CrossEntropy(x, target, reduction: "none");
            AssertClose(new[] { 0, 2000, Math.Log(2) }, loss, 1e-7);
            var smoothed = F.CrossEntropy(x, target, labelSmoothing: 0.2);
            Assert.True(double.IsFinite(smoothed.Item<double>()));
            AssertClose((200 + 1800 + Math.Log(2)) / 3, smoothed, 1e-7);
            loss.Sum().Backward();
            AssertClose(new[] { 0, 0, -1, 1, 0.5, -0.5 }, x.Grad!, 1e-7);
        }
    }

    [Fact]
    public void CrossEntropyAndNllGradients()
    {
        var x = GradCheck.Leaf(7, 5);
        var target = Tensor.FromArray(new long[] { 0, 4, -100, 2, 2, 1, 3 });
        var w = GradCheck.PositiveLeaf(0.5, 2, 5);
        foreach (var reduction in Reductions)
            foreach (var eps in new[] { 0.0, 0.3 })
            {
                GradCheck.Check(t => F.CrossEntropy(t[0], target, reduction: reduction, labelSmoothing: eps), x);
                GradCheck.Check(t => F.CrossEntropy(t[0], target, t[1], reduction: reduction, labelSmoothing: eps), x, w);
            }
        foreach (var reduction in Reductions)
        {
            GradCheck.Check(t => F.NllLoss(t[0], target, reduction: reduction), x);
            GradCheck.Check(t => F.NllLoss(t[0], target, t[1], reduction: reduction), x, w);
        }
    }

    [Fact]
    public void CrossEntropyGradientsForSpatialAndStridedInputs()
    {
        var x = GradCheck.Leaf(3, 5, 4);
        var target = Tensor.FromArray(new long[] { 0, 4, 1, 2, 2, -100, 3, 1, 0, 0, 4, 3 }, 3, 4);
        var w = GradCheck.PositiveLeaf(0.5, 2, 5);
        GradCheck.Check(t => F.CrossEntropy(t[0], target, t[1], labelSmoothing: 0.1), x, w);
        GradCheck.Check(t => F.NllLoss(t[0], target, t[1], reduction: "none"), x, w);
        // logits given as the transpose of a [C, N] tensor, and a strided spatial view
        var target2 = Tensor.FromArray(new long[] { 1, 0, 2, 2, 3, 4, 0 });
        GradCheck.Check(t => F.CrossEntropy(t[0].T, target2, labelSmoothing: 0.2), GradCheck.Leaf(5, 7));
        GradCheck.Check(t => F.CrossEntropy(t[0].Transpose(1, 2), target, reduction: "sum"), GradCheck.Leaf(3, 4, 5));
        // an unbatched [C] input with a 0-d target
        GradCheck.Check(t => F.CrossEntropy(t[0], Tensor.FromArray(new long[] { 2 }).Reshape(), labelSmoothing: 0.1), GradCheck.Leaf(6));
    }

    [Fact]
    public void ClassLossErrors()
    {
        var x = Tensor.Zeros(2, 3);
        var dtype = Assert.Throws<ArgumentException>(() => F.CrossEntropy(x, Tensor.Zeros(2)));
        Assert.Equal("cross_entropy: expected a target of dtype int64 holding class indices, got float32 (target shape [2], input shape [2, 3]); class probabilities are not supported", dtype.Message);
        var range = Assert.Throws<IndexOutOfRangeException>(() => F.CrossEntropy(x, Tensor.FromArray(new long[] { 0, 3 })));
        Assert.Equal("cross_entropy: target 3 at position [1] is out of bounds: expected a class in [0, 3) or ignore_index -100 (target shape [2])", range.Message);
        var negative = Assert.Throws<IndexOutOfRangeException>(() => F.NllLoss(Tensor.Zeros(2, 3, 4), Tensor.FromArray(new long[] { 0, 0, 0, 0, 0, 0, -1, 0 }, 2, 4), ignoreIndex: 7));
        Assert.Equal("nll_loss: target -1 at position [1, 2] is out of bounds: expected a class in [0, 3) or ignore_index 7 (target shape [2, 4])", negative.Message);
        var scalar = Assert.Throws<IndexOutOfRangeException>(() => F.CrossEntropy(Tensor.Zeros(3), Tensor.FromArray(new long[] { 5 }).Reshape()));
        Assert.Equal("cross_entropy: target 5 is out of bounds: expected a class in [0, 3) or ignore_index -100 (target shape [])", scalar.Message);
        var shape = Assert.Throws<ArgumentException>(() => F.CrossEntropy(Tensor.Zeros(3, 5), Tensor.FromArray(new long[] { 0, 1 })));
        Assert.Equal("cross_entropy: input of shape [3, 5] and target of shape [2] do not match: expected a target of shape [3]", shape.Message);
        var spatial = Assert.Throws<ArgumentException>(() => F.NllLoss(Tensor.Zeros(2, 3, 4), Tensor.Zeros([2, 3], DType.Int64)));
        Assert.Equal("nll_loss: input of shape [2, 3, 4] and target of shape [2, 3] do not match: expected a target of shape [2, 4]", spatial.Message);
        var reduction = Assert.Throws<ArgumentException>(() => F.CrossEntropy(x, Tensor.Zeros([2], DType.Int64), reduction: "avg"));
        Assert.Equal("cross_entropy: 'avg' is not a valid value for reduction; expected 'none', 'mean' or 'sum'", reduction.Message);
        var weight = Assert.Throws<ArgumentException>(() => F.CrossEntropy(x, Tensor.Zeros([2], DType.Int64), Tensor.Ones(2)));
        Assert.Equal("cross_entropy: weight of shape [2] must have one entry per class: expected shape [3] for an input of shape [2, 3]", weight.Message);
        var weightType = Assert.Throws<ArgumentException>(() => F.NllLoss(x, Tensor.Zeros([2], DType.Int64), Tensor.Ones([3], DType.Float64)));
        Assert.Equal("nll_loss: weight has dtype float64 but the input has dtype float32", weightType.Message);
        var smoothing = Assert.Throws<ArgumentOutOfRangeException>(() => F.CrossEntropy(x, Tensor.Zeros([2], DType.Int64), labelSmoothing: 1.5));
        Assert.StartsWith("cross_entropy: label_smoothing must be between 0.0 and 1.0, got 1.5", smoothing.Message);
        var input = Assert.Throws<ArgumentException>(() => F.CrossEntropy(Tensor.Zeros([2, 3], DType.Int64), Tensor.Zeros([2], DType.Int64)));
        Assert.Equal("cross_entropy: expected a floating point input, got int64 (shape [2, 3])", input.Message);
    }

    // ---- mse_loss ----

    [Fact]
    public void MseLossMatchesReference()
    {
        foreach (var dtype in FloatTypes)
            foreach (var shape in new[] { new[] { 1, 1 }, [7, 33], [3, 5, 4] })
            {
                int n = shape.Aggregate(1, (a, b) => a * b);
                var (x, xs) = Make(Values(n, n), shape, dtype);
                var (y, ys) = Make(Values(n, n + 1), shape, dtype);
                var squares = xs.Zip(ys, (a, b) => (a - b) * (a - b)).ToArray();
                AssertClose(squares, F.MseLoss(x, y, "none"), Tolerance(dtype));
                AssertClose(squares.Sum(), F.MseLoss(x, y, "sum"), Tolerance(dtype));
                AssertClose(squares.Average(), F.MseLoss(x, y), Tolerance(dtype));
            }
        // broadcasting, as torch (which warns): [2, 3] against [3]
        var a2 = Tensor.FromArray(new double[] { 1, 2, 3, 4, 5, 6 }, 2, 3);
        var b2 = Tensor.FromArray(new double[] { 1, 1, 1 });
        Assert.Equal(new double[] { 0, 1, 4, 9, 16, 25 }, F.MseLoss(a2, b2, "none").ToArray<double>());
        Assert.Equal(DType.Float64, F.MseLoss(a2, b2.Float()).DType);
    }

    [Fact]
    public void MseLossGradients()
    {
        foreach (var reduction in Reductions)
        {
            GradCheck.Check(t => F.MseLoss(t[0], t[1], reduction), GradCheck.Leaf(7, 3), GradCheck.Leaf(3));
            GradCheck.Check(t => F.MseLoss(t[0].T, t[1], reduction), GradCheck.Leaf(3, 7), GradCheck.Leaf(7, 3));
        }
        GradCheck.Check(t => F.MseLoss(t[0], Tensor.Zeros([2, 2], DType.Float64)), GradCheck.Leaf(2, 2));
    }

    [Fact]
    public void MseLossErrors()
    {
        var b = Assert.Throws<ArgumentException>(() => F.MseLoss(Tensor.Zeros(2, 3), Tensor.Zeros(4)));
        Assert.Equal("mse_loss: shapes [2, 3] and [4] cannot be broadcast: dimension 1 is 3 in one and 4 in the other", b.Message);
        var r = Assert.Throws<ArgumentException>(() => F.MseLoss(Tensor.Zeros(2), Tensor.Zeros(2), "mean "));
        Assert.Equal("mse_loss: 'mean ' is not a valid value for reduction; expected 'none', 'mean' or 'sum'", r.Message);
        var t = Assert.Throws<ArgumentException>(() => F.MseLoss(Tensor.Arange(2), Tensor.Arange(2)));
        Assert.Equal("mse_loss: expected floating point input and target, got int64 and int64 (shapes [2] and [2])", t.Message);
    }

    // ---- binary_cross_entropy_with_logits ----

    static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));

    [Fact]
    public void BinaryCrossEntropyWithLogitsMatchesTheTextbookFormula()
    {
        foreach (var dtype in FloatTypes)
            foreach (var shape in new[] { new[] { 1, 1 }, [7, 33], [3, 5, 4] })
            {
                int n = shape.Aggregate(1, (a, b) => a * b), c = shape[^1];
                var (x, xs) = Make(Values(n, n, scale: 3), shape, dtype);
                var (y, ys) = Make(Values(n, n + 1).Select(v => Math.Clamp(v / 4 + 0.5, 0, 1)).ToArray(), shape, dtype);
                var (w, ws) = Make(Values(c, c).Select(v => 1 + v / 4).ToArray(), [c], dtype);
                var (p, ps) = Make(Values(c, c + 3).Select(v => 2 + v).ToArray(), [c], dtype);
                // -w [p y log(sigmoid(x)) + (1 - y) log(1 - sigmoid(x))], fine to evaluate naively for |x| < 10
                double[] Expected(bool weighted, bool positive) => Enumerable.Range(0, n).Select(i =>
                    -(weighted ? ws[i % c] : 1) * ((positive ? ps[i % c] : 1) * ys[i] * Math.Log(Sigmoid(xs[i])) + (1 - ys[i]) * Math.Log(1 - Sigmoid(xs[i])))).ToArray();
                foreach (var weighted in new[] { false, true })
                    foreach (var positive in new[] { false, true })
                    {
                        var e = Expected(weighted, positive);
                        var wt = weighted ? w : null;
                        var pt = positive ? p : null;
                        var none = F.BinaryCrossEntropyWithLogits(x, y, wt, pt, "none");
                        Assert.Equal(shape, none.ShapeArray());
                        Assert.Equal(dtype, none.DType);
                        AssertClose(e, none, Tolerance(dtype) * 10);
                        AssertClose(e.Sum(), F.BinaryCrossEntropyWithLogits(x, y, wt, pt, "sum"), Tolerance(dtype) * 10);
                        AssertClose(e.Average(), F.BinaryCrossEntropyWithLogits(x, y, wt, pt), Tolerance(dtype) * 10);
                    }
            }
    }

    [Fact]
    public void BinaryCrossEntropyWithLogitsIsStable()
    {
        foreach (var dtype in FloatTypes)
        {
            var x = Tensor.FromArray(new double[] { 1000, 1000, -1000, -1000, 40 }).To(dtype).RequiresGrad_();
            var y = Tensor.FromArray(new double[] { 1, 0, 1, 0, 1 }).To(dtype);
            var loss = F.BinaryCrossEntropyWithLogits(x, y, posWeight: Tensor.FromArray(new double[] { 2 }).To(dtype), reduction: "none");
            // log(1 + exp(-40)) = exp(-40) to double precision: a naive log(1 + e) would give 0
            AssertClose(new[] { 0, 1000, 2000, 0, 2 * Math.Exp(-40) }, loss, 1e-7);
            Assert.Equal(2 * Math.Exp(-40), loss.ToArray<double>()[4], 2 * Math.Exp(-40) * 1e-6);
            loss.Sum().Backward();
            AssertClose(new double[] { 0, 1, -2, 0, -2 * Math.Exp(-40) }, x.Grad!, 1e-7);
        }
    }

    [Fact]
    public void BinaryCrossEntropyWithLogitsGradients()
    {
        foreach (var reduction in Reductions)
        {
            GradCheck.Check(t => F.BinaryCrossEntropyWithLogits(t[0], t[1], reduction: reduction), GradCheck.Leaf(4, 3), GradCheck.PositiveLeaf(0, 1, 4, 3));
            GradCheck.Check(t => F.BinaryCrossEntropyWithLogits(t[0], t[1], t[2], t[3], reduction),
                GradCheck.Leaf(4, 3), GradCheck.PositiveLeaf(0, 1, 4, 3), GradCheck.PositiveLeaf(0.5, 2, 3), GradCheck.PositiveLeaf(1, 3, 1, 3));
        }
        // strided input and target
        GradCheck.Check(t => F.BinaryCrossEntropyWithLogits(t[0].T, t[1].T, posWeight: t[2]), GradCheck.Leaf(3, 4), GradCheck.PositiveLeaf(0, 1, 3, 4), GradCheck.PositiveLeaf(1, 3, 3));
    }

    [Fact]
    public void BinaryCrossEntropyWithLogitsErrors()
    {
        var s = Assert.Throws<ArgumentException>(() => F.BinaryCrossEntropyWithLogits(Tensor.Zeros(3), Tensor.Zeros(2)));
        Assert.Equal("binary_cross_entropy_with_logits: target of shape [2] must have the same shape as the input, of shape [3]", s.Message);
        var w = Assert.Throws<ArgumentException>(() => F.BinaryCrossEntropyWithLogits(Tensor.Zeros(2, 3), Tensor.Zeros(2, 3), Tensor.Ones(2)));
        Assert.Equal("binary_cross_entropy_with_logits: weight of shape [2] cannot be broadcast to the input's shape [2, 3]", w.Message);
        var p = Assert.Throws<ArgumentException>(() => F.BinaryCrossEntropyWithLogits(Tensor.Zeros(2, 3), Tensor.Zeros(2, 3), posWeight: Tensor.Ones(2, 2, 3)));
        Assert.Equal("binary_cross_entropy_with_logits: pos_weight of shape [2, 2, 3] cannot be broadcast to the input's shape [2, 3]", p.Message);
        var r = Assert.Throws<ArgumentException>(() => F.BinaryCrossEntropyWithLogits(Tensor.Zeros(2), Tensor.Zeros(2), reduction: "elementwise_mean"));
        Assert.StartsWith("binary_cross_entropy_with_logits: 'elementwise_mean' is not a valid value for reduction", r.Message);
    }
}
