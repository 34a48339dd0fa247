namespace DeepGen.Tests;

public class PoolingTests
{
    /// <summary>A pooling case: input shape ([C, H, W] or [N, C, H, W]) and window settings.</summary>
    public record Case(int[] Shape, (int H, int W) Kernel, (int H, int W) Stride, (int H, int W) Pad, (int H, int W) Dil, bool Ceil)
    {
        public int H => Shape[^2];
        public int W => Shape[^1];
        public int Planes => Shape.Aggregate(1, (a, b) => a * b) / (H * W);
        public int OutH => OutputSize(H, Kernel.H, Stride.H, Pad.H, Dil.H, Ceil);
        public int OutW => OutputSize(W, Kernel.W, Stride.W, Pad.W, Dil.W, Ceil);
        public int[] OutShape() => [.. Shape[..^2], OutH, OutW];
        public override string ToString() => $"[{string.Join(", ", Shape)}] k{Kernel} s{Stride} p{Pad} d{Dil}{(Ceil ? " ceil" : "")}";
    }

    /// <summary>Number of window starts: floor or ceil of span / stride, plus one, without a window starting in the right padding.</summary>
    static int OutputSize(int size, int kernel, int stride, int pad, int dilation, bool ceil)
    {
        double steps = (double)(size + 2 * pad - dilation * (kernel - 1) - 1) / stride;
        int output = (int)(ceil ? Math.Ceiling(steps) : Math.Floor(steps)) + 1;
        if (ceil && (output - 1) * stride >= size + pad) output--;
        return output;
    }

    static double[] Values(int count, int seed)
    {
        var rng = new Random(seed);
        var v = new double[count];
        for (int i = 0; i < count; i++) v[i] = (float)(rng.NextDouble() * 2 - 1);
        return v;
    }

    /// <summary>Direct max pooling: per plane and output, scan the window; first maximum wins, NaN beats everything.</summary>
    static (double[] Values, long[] Indices) ReferenceMax(Case p, double[] x)
    {
        var values = new double[p.Planes * p.OutH * p.OutW];
        var indices = new long[values.Length];
        int o = 0;
        for (int plane = 0; plane < p.Planes; plane++)
            for (int oh = 0; oh < p.OutH; oh++)
                for (int ow = 0; ow < p.OutW; ow++, o++)
                {
                    double best = double.NegativeInfinity;
                    long arg = -1;
                    for (int ki = 0; ki < p.Kernel.H; ki++)
                        for (int kj = 0; kj < p.Kernel.W; kj++)
                        {
                            int ih = oh * p.Stride.H - p.Pad.H + ki * p.Dil.H, iw = ow * p.Stride.W - p.Pad.W + kj * p.Dil.W;
                            if (ih < 0 || ih >= p.H || iw < 0 || iw >= p.W) continue;
                            double v = x[(plane * p.H + ih) * p.W + iw];
                            if (arg < 0 || v > best || double.IsNaN(v)) (best, arg) = (v, ih * p.W + iw);
                        }
                    values[o] = best;
                    indices[o] = arg;
                }
        return (values, indices);
    }

    /// <summary>
    /// Direct average pooling: the sum over the window's real elements divided by the override, or by the
    /// number of window positions inside the padded input (countIncludePad) or inside the input itself.
    /// </summary>
    static double[] ReferenceAvg(Case p, double[] x, bool countIncludePad, int? divisorOverride)
    {
        var result = new double[p.Planes * p.OutH * p.OutW];
        int o = 0;
        for (int plane = 0; plane < p.Planes; plane++)
            for (int oh = 0; oh < p.OutH; oh++)
                for (int ow = 0; ow < p.OutW; ow++, o++)
                {
                    double sum = 0;
                    int real = 0, padded = 0;
                    for (int ki = 0; ki < p.Kernel.H; ki++)
                        for (int kj = 0; kj < p.Kernel.W; kj++)
                        {
                            int ih = oh * p.Stride.H - p.Pad.H + ki, iw = ow * p.Stride.W - p.Pad.W + kj;
                            if (ih < p.H + p.Pad.H && iw < p.W + p.Pad.W) padded++;
                            if (ih < 0 || ih >= p.H || iw < 0 || iw >= p.W) continue;
                            real++;
                            sum += x[(plane * p.H + ih) * p.W + iw];
                        }
                    result[o] = real == 0 ? 0 : sum / (divisorOverride ?? (countIncludePad ? padded : real));
                }
        return result;
    }

    static double[] ReferenceAdaptiveAvg(int planes, int h, int w, int outH, int outW, double[] x)
    {
        var result = new double[planes * outH * outW];
        int o = 0;
        for (int plane = 0; plane < planes; plane++)
            for (int oh = 0; oh < outH; oh++)
                for (int ow = 0; ow < outW; ow++, o++)
                {
                    int h0 = (int)Math.Floor((double)oh * h / outH), h1 = (int)Math.Ceiling((double)(oh + 1) * h / outH);
                    int w0 = (int)Math.Floor((double)ow * w / outW), w1 = (int)Math.Ceiling((double)(ow + 1) * w / outW);
                    double sum = 0;
                    for (int ih = h0; ih < h1; ih++)
                        for (int iw = w0; iw < w1; iw++) sum += x[(plane * h + ih) * w + iw];
                    result[o] = sum / ((h1 - h0) * (w1 - w0));
                }
        return result;
    }

    static void AssertClose(double[] expected, double[] actual, DType dtype, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        double tol = dtype == DType.Float32 ? 1e-6 : 1e-14;
        for (int i = 0; i < expected.Length; i++)
            if (!(Math.Abs(expected[i] - actual[i]) <= tol * (1 + Math.Abs(expected[i])))) Assert.Fail($"{what}: element {i}: expected {expected[i]:G10}, got {actual[i]:G10}");
    }

    /// <summary>The same values as a tensor laid out [..., W, H] and transposed back: non-contiguous.</summary>
    static Tensor Transposed(Tensor x) => x.Transpose(-1, -2).Contiguous().Transpose(-1, -2);

    public static TheoryData<Case> MaxCases =>
    [
        new([1, 1, 1, 1], (1, 1), (1, 1), (0, 0), (1, 1), false),
        new([2, 3, 7, 9], (2, 2), (2, 2), (0, 0), (1, 1), false),
        new([1, 2, 33, 17], (3, 2), (2, 1), (1, 0), (1, 1), true),
        new([2, 2, 13, 13], (3, 3), (2, 2), (1, 1), (2, 2), false),
        new([2, 2, 13, 13], (3, 3), (2, 2), (1, 1), (2, 2), true),
        new([3, 65, 7], (3, 3), (3, 3), (0, 1), (1, 1), true),
        new([4, 16, 33, 65], (3, 3), (2, 2), (1, 1), (1, 1), false),
    ];

    [Theory]
    [MemberData(nameof(MaxCases))]
    public void MaxPoolMatchesDirectLoops(Case p)
    {
        var xv = Values(p.Shape.Aggregate(1, (a, b) => a * b), 1);
        var (expected, expectedIndices) = ReferenceMax(p, xv);
        foreach (var dtype in new[] { DType.Float32, DType.Float64 })
        {
            var x = Tensor.FromArray(xv, p.Shape).To(dtype);
            foreach (var input in new[] { x, Transposed(x) })
            {
                var (values, indices) = F.MaxPool2dWithIndices(input, p.Kernel, p.Stride, p.Pad, p.Dil, p.Ceil);
                Assert.Equal(p.OutShape(), values.ShapeArray());
                Assert.Equal(p.OutShape(), indices.ShapeArray());
                Assert.Equal(DType.Int64, indices.DType);
                Assert.Equal(dtype, values.DType);
                AssertClose(expected, values.ToArray<double>(), dtype, $"{p} {dtype}");
                Assert.Equal(expectedIndices, indices.ToArray<long>());
                AssertClose(expected, F.MaxPool2d(input, p.Kernel, p.Stride, p.Pad, p.Dil, p.Ceil).ToArray<double>(), dtype, $"{p} {dtype} values only");
            }
        }
    }

    [Fact]
    public void MaxPoolIntOverloadAndDefaultStride()
    {
        var x = Tensor.FromArray(Values(2 * 3 * 8 * 9, 2), 2, 3, 8, 9);
        var byInt = F.MaxPool2d(x, 3, padding: 1, ceilMode: true);
        var byPair = F.MaxPool2d(x, (3, 3), (3, 3), (1, 1), ceilMode: true);
        Assert.Equal(byPair.ShapeArray(), byInt.ShapeArray());
        Assert.Equal(byPair.ToArray<float>(), byInt.ToArray<float>());
        Assert.Equal(new[] { 2, 3, 3, 4 }, byInt.ShapeArray());
    }

    [Fact]
    public void MaxPoolTiesGoToTheFirstMaximum()
    {
        var x = Tensor.Ones([1, 1, 4, 4], DType.Float64).RequiresGrad_();
        var (values, indices) = F.MaxPool2dWithIndices(x, 2);
        Assert.Equal(new long[] { 0, 2, 8, 10 }, indices.ToArray<long>());
        values.Sum().Backward();
        Assert.Equal(new double[] { 1, 0, 1, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0 }, x.Grad!.ToArray<double>());
        // overlapping windows send one gradient per window to a shared maximum
        var y = Tensor.FromArray(new double[] { 0, 5, 0, 1, 2, 3, 0, 0, 0 }, 1, 3, 3).RequiresGrad_();
        F.MaxPool2d(y, 2, stride: 1).Sum().Backward();
        Assert.Equal(new double[] { 0, 2, 0, 0, 1, 1, 0, 0, 0 }, y.Grad!.ToArray<double>());
    }

    [Fact]
    public void MaxPoolPropagatesNaN()
    {
        var x = Tensor.FromArray(new float[] { 1, float.NaN, 3, 4 }, 1, 2, 2);
        var (values, indices) = F.MaxPool2dWithIndices(x, 2);
        Assert.True(float.IsNaN(values.Item<float>()));
        Assert.Equal(1L, indices.Item<long>());
    }

    public static TheoryData<Case> AvgCases =>
    [
        new([1, 1, 1, 1], (1, 1), (1, 1), (0, 0), (1, 1), false),
        new([2, 3, 7, 9], (2, 2), (2, 2), (0, 0), (1, 1), false),
        new([1, 2, 33, 17], (3, 2), (2, 1), (1, 1), (1, 1), true),
        new([2, 2, 13, 13], (3, 3), (2, 2), (1, 1), (1, 1), true),
        new([3, 65, 7], (5, 3), (3, 2), (2, 1), (1, 1), true),
        new([2, 2, 7, 7], (4, 4), (3, 3), (2, 2), (1, 1), true),
        new([4, 16, 33, 65], (3, 3), (2, 2), (1, 1), (1, 1), false),
    ];

    [Theory]
    [MemberData(nameof(AvgCases))]
    public void AvgPoolMatchesDirectLoops(Case p)
    {
        var xv = Values(p.Shape.Aggregate(1, (a, b) => a * b), 3);
        foreach (var dtype in new[] { DType.Float32, DType.Float64 })
        {
            var x = Tensor.FromArray(xv, p.Shape).To(dtype);
            foreach (var (includePad, divisor) in new[] { (true, (int?)null), (false, null), (true, 5) })
                foreach (var input in new[] { x, Transposed(x) })
                {
                    var y = F.AvgPool2d(input, p.Kernel, p.Stride, p.Pad, p.Ceil, includePad, divisor);
                    Assert.Equal(p.OutShape(), y.ShapeArray());
                    AssertClose(ReferenceAvg(p, xv, includePad, divisor), y.ToArray<double>(), dtype, $"{p} {dtype} includePad={includePad} divisor={divisor}");
                }
        }
    }

    [Theory]
    [InlineData(1, 1, 1, 1)]
    [InlineData(7, 9, 3, 2)]
    [InlineData(33, 17, 5, 7)]
    [InlineData(5, 6, 7, 9)]
    [InlineData(65, 33, 1, 1)]
    public void AdaptiveAvgPoolMatchesDirectLoops(int h, int w, int outH, int outW)
    {
        var xv = Values(2 * 3 * h * w, 4);
        var expected = ReferenceAdaptiveAvg(6, h, w, outH, outW, xv);
        foreach (var dtype in new[] { DType.Float32, DType.Float64 })
        {
            var x = Tensor.FromArray(xv, 2, 3, h, w).To(dtype);
            var y = F.AdaptiveAvgPool2d(x, (outH, outW));
            Assert.Equal(new[] { 2, 3, outH, outW }, y.ShapeArray());
            AssertClose(expected, y.ToArray<double>(), dtype, $"{h}x{w} -> {outH}x{outW} {dtype}");
            AssertClose(expected, F.AdaptiveAvgPool2d(Transposed(x), (outH, outW)).ToArray<double>(), dtype, "transposed input");
            AssertClose(expected, F.AdaptiveAvgPool2d(x.Reshape(6, h, w), (outH, outW)).Reshape(2, 3, outH, outW).ToArray<double>(), dtype, "3-D input");
        }
        if (outH == outW)
            Assert.Equal(F.AdaptiveAvgPool2d(Tensor.FromArray(xv, 6, h, w), outH).ToArray<float>(),
                F.AdaptiveAvgPool2d(Tensor.FromArray(xv, 6, h, w), (outH, outW)).ToArray<float>());
    }

    [Fact]
    public void Gradients()
    {
        GradCheck.Check(t => F.MaxPool2d(t[0], 2), GradCheck.Leaf(2, 2, 5, 6));
        GradCheck.Check(t => F.MaxPool2d(t[0], (3, 3), (2, 2), (1, 1), ceilMode: true), GradCheck.Leaf(1, 2, 7, 6));
        GradCheck.Check(t => F.MaxPool2d(t[0], (2, 3), (1, 2), (1, 1), (2, 1)), GradCheck.Leaf(1, 2, 6, 7));
        GradCheck.Check(t => F.MaxPool2d(t[0].Transpose(1, 2), 2, stride: 1), GradCheck.Leaf(3, 5, 4));
        GradCheck.Check(t => F.MaxPool2dWithIndices(t[0], 3, 2, 1).Values, GradCheck.Leaf(2, 1, 5, 5));

        GradCheck.Check(t => F.AvgPool2d(t[0], 2), GradCheck.Leaf(2, 2, 5, 6));
        GradCheck.Check(t => F.AvgPool2d(t[0], (3, 3), (2, 2), (1, 1), ceilMode: true), GradCheck.Leaf(1, 2, 7, 6));
        GradCheck.Check(t => F.AvgPool2d(t[0], (3, 2), (2, 2), (1, 1), ceilMode: true, countIncludePad: false), GradCheck.Leaf(1, 2, 7, 6));
        GradCheck.Check(t => F.AvgPool2d(t[0].Transpose(1, 2), 3, 1, 1, divisorOverride: 4), GradCheck.Leaf(3, 5, 4));

        GradCheck.Check(t => F.AdaptiveAvgPool2d(t[0], (3, 2)), GradCheck.Leaf(2, 3, 7, 5));
        GradCheck.Check(t => F.AdaptiveAvgPool2d(t[0], 1), GradCheck.Leaf(2, 3, 4, 4));
        GradCheck.Check(t => F.AdaptiveAvgPool2d(t[0].Transpose(1, 2), (4, 7)), GradCheck.Leaf(2, 5, 3));
    }

    [Fact]
    public void Errors()
    {
        var e = Assert.Throws<ArgumentException>(() => F.MaxPool2d(Tensor.Zeros(28, 28), 2));
        Assert.Equal("max_pool2d: expected a 3-D [C, H, W] or 4-D [N, C, H, W] input, got [28, 28]", e.Message);
        e = Assert.Throws<ArgumentException>(() => F.MaxPool2d(Tensor.Zeros(1, 1, 8, 8), 3, padding: 2));
        Assert.Equal("max_pool2d: padding should be at most half of the effective kernel size, but got padding (2, 2), kernel size (3, 3) and dilation (1, 1)", e.Message);
        e = Assert.Throws<ArgumentException>(() => F.AvgPool2d(Tensor.Zeros(1, 1, 8, 8), 3, padding: 2));
        Assert.Equal("avg_pool2d: padding should be at most half of the kernel size, but got padding (2, 2) and kernel size (3, 3)", e.Message);
        e = Assert.Throws<ArgumentException>(() => F.MaxPool2d(Tensor.Zeros(1, 2, 2), 3));
        Assert.Equal("max_pool2d: input [1, 2, 2] is too small: calculated output size [0, 0] (kernel size (3, 3), stride (3, 3), padding (0, 0), dilation (1, 1)); the output size must be at least 1", e.Message);
        e = Assert.Throws<ArgumentException>(() => F.AvgPool2d(Tensor.Arange(16).Reshape(1, 4, 4), 2));
        Assert.Equal("avg_pool2d: expected a floating point input, got int64", e.Message);
        e = Assert.Throws<ArgumentException>(() => F.MaxPool2d(Tensor.Zeros(1, 0, 4, 4), 2));
        Assert.Equal("max_pool2d: expected input [1, 0, 4, 4] to have non-zero channel, height and width sizes", e.Message);
        e = Assert.Throws<ArgumentException>(() => F.MaxPool2d(Tensor.Zeros(1, 4, 4), 2, stride: 0));
        Assert.Equal("max_pool2d: stride must be positive, got (0, 0)", e.Message);
        e = Assert.Throws<ArgumentException>(() => F.AdaptiveAvgPool2d(Tensor.Zeros(1, 4, 4), (0, 2)));
        Assert.Equal("adaptive_avg_pool2d: output size must be positive, got (0, 2)", e.Message);
        e = Assert.Throws<ArgumentException>(() => F.AdaptiveAvgPool2d(Tensor.Zeros(4), 2));
        Assert.Equal("adaptive_avg_pool2d: expected a 3-D [C, H, W] or 4-D [N, C, H, W] input, got [4]", e.Message);
    }

    [Fact]
    public void EmptyBatchGivesEmptyOutput()
    {
        Assert.Equal(new[] { 0, 3, 2, 2 }, F.MaxPool2d(Tensor.Zeros(0, 3, 4, 4), 2).ShapeArray());
        Assert.Equal(new[] { 0, 3, 2, 2 }, F.AvgPool2d(Tensor.Zeros(0, 3, 4, 4), 2).ShapeArray());
    }
}
