namespace DeepGen.Tests;

public class ConvTests
{
    /// <summary>One convolution's settings; arrays hold NCHW / OIHW data row-major.</summary>
    public record Case(int N, int C, int H, int W, int O, int KH, int KW, (int H, int W) Stride, (int H, int W) Pad, (int H, int W) Dil, int Groups)
    {
        public int OutH => (H + 2 * Pad.H - Dil.H * (KH - 1) - 1) / Stride.H + 1;
        public int OutW => (W + 2 * Pad.W - Dil.W * (KW - 1) - 1) / Stride.W + 1;
        public int[] InputShape() => [N, C, H, W];
        public int[] WeightShape() => [O, C / Groups, KH, KW];
    }

    /// <summary>The direct seven-loop convolution (batch, out channel, out row, out col, in channel, kernel row, kernel col).</summary>
    static double[] Reference(Case p, double[] x, double[] w, double[]? b)
    {
        int cg = p.C / p.Groups, og = p.O / p.Groups;
        var y = new double[p.N * p.O * p.OutH * p.OutW];
        for (int n = 0; n < p.N; n++)
            for (int o = 0; o < p.O; o++)
                for (int oh = 0; oh < p.OutH; oh++)
                    for (int ow = 0; ow < p.OutW; ow++)
                    {
                        double sum = b?[o] ?? 0;
                        for (int c = 0; c < cg; c++)
                            for (int ki = 0; ki < p.KH; ki++)
                                for (int kj = 0; kj < p.KW; kj++)
                                {
                                    int ih = oh * p.Stride.H - p.Pad.H + ki * p.Dil.H;
                                    int iw = ow * p.Stride.W - p.Pad.W + kj * p.Dil.W;
                                    if (ih < 0 || ih >= p.H || iw < 0 || iw >= p.W) continue;
                                    int channel = o / og * cg + c;
                                    sum += x[((n * p.C + channel) * p.H + ih) * p.W + iw] * w[((o * cg + c) * p.KH + ki) * p.KW + kj];
                                }
                        y[((n * p.O + o) * p.OutH + oh) * p.OutW + ow] = sum;
                    }
        return y;
    }

    /// <summary>Gradients of sum(conv(x, w) * gy) by the same loops: each product's partials, accumulated.</summary>
    static (double[] Gx, double[] Gw) ReferenceBackward(Case p, double[] x, double[] w, double[] gy)
    {
        int cg = p.C / p.Groups, og = p.O / p.Groups;
        var gx = new double[x.Length];
        var gw = new double[w.Length];
        for (int n = 0; n < p.N; n++)
            for (int o = 0; o < p.O; o++)
                for (int oh = 0; oh < p.OutH; oh++)
                    for (int ow = 0; ow < p.OutW; ow++)
                    {
                        double g = gy[((n * p.O + o) * p.OutH + oh) * p.OutW + ow];
                        for (int c = 0; c < cg; c++)
                            for (int ki = 0; ki < p.KH; ki++)
                                for (int kj = 0; kj < p.KW; kj++)
                                {
                                    int ih = oh * p.Stride.H - p.Pad.H + ki * p.Dil.H;
                                    int iw = ow * p.Stride.W - p.Pad.W + kj * p.Dil.W;
                                    if (ih < 0 || ih >= p.H || iw < 0 || iw >= p.W) continue;
                                    int xi = ((n * p.C + o / og * cg + c) * p.H + ih) * p.W + iw;
                                    int wi = ((o * cg + c) * p.KH + ki) * p.KW + kj;
                                    gx[xi] += g * w[wi];
                                    gw[wi] += g * x[xi];
                                }
                    }
        return (gx, gw);
    }

    static double[] Values(int count, int seed)
    {
        var rng = new Random(seed);
        var v = new double[count];
        for (int i = 0; i < count; i++) v[i] = (float)(rng.NextDouble() * 2 - 1);
        return v;
    }

    static void AssertClose(double[] expected, double[] actual, DType dtype, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        double tol = dtype == DType.Float32 ? 2e-4 : 1e-11;
        for (int i = 0; i < expected.Length; i++)
            if (!(Math.Abs(expected[i] - actual[i]) <= tol * (1 + Math.Abs(expected[i])))) Assert.Fail($"{what}: element {i}: expected {expected[i]:G10}, got {actual[i]:G10}");
    }

    public static TheoryData<Case> Cases =>
    [
        new(1, 1, 1, 1, 1, 1, 1, (1, 1), (0, 0), (1, 1), 1),
        new(2, 3, 7, 9, 4, 3, 3, (1, 1), (1, 1), (1, 1), 1),
        new(2, 4, 33, 17, 6, 3, 5, (2, 1), (1, 2), (1, 2), 2),
        new(1, 6, 13, 13, 6, 3, 3, (2, 2), (1, 1), (2, 2), 3),
        new(2, 4, 9, 9, 8, 3, 3, (1, 1), (1, 1), (1, 1), 4),
        new(3, 2, 7, 7, 4, 1, 1, (1, 1), (0, 0), (1, 1), 1),
        new(2, 3, 8, 8, 5, 1, 1, (2, 2), (0, 0), (1, 1), 1),
        new(1, 1, 130, 7, 2, 7, 1, (3, 1), (3, 0), (1, 1), 1),
        new(2, 8, 65, 33, 16, 3, 3, (1, 1), (1, 1), (1, 1), 1),
    ];

    [Theory]
    [MemberData(nameof(Cases))]
    public void ForwardMatchesDirectLoops(Case p)
    {
        var xv = Values(p.N * p.C * p.H * p.W, 1);
        var wv = Values(p.O * (p.C / p.Groups) * p.KH * p.KW, 2);
        var bv = Values(p.O, 3);
        var expected = Reference(p, xv, wv, bv);
        var expectedNoBias = Reference(p, xv, wv, null);
        foreach (var dtype in new[] { DType.Float32, DType.Float64 })
        {
            var x = Tensor.FromArray(xv, p.InputShape()).To(dtype);
            var w = Tensor.FromArray(wv, p.WeightShape()).To(dtype);
            var b = Tensor.FromArray(bv).To(dtype);
            var y = F.Conv2d(x, w, b, p.Stride, p.Pad, p.Dil, p.Groups);
            Assert.Equal(new[] { p.N, p.O, p.OutH, p.OutW }, y.ShapeArray());
            Assert.Equal(dtype, y.DType);
            AssertClose(expected, y.ToArray<double>(), dtype, $"{p} {dtype}");
            AssertClose(expectedNoBias, F.Conv2d(x, w, null, p.Stride, p.Pad, p.Dil, p.Groups).ToArray<double>(), dtype, $"{p} {dtype} no bias");
            // an NHWC tensor seen as NCHW: non-contiguous input
            var nhwc = x.Permute(0, 2, 3, 1).Contiguous().Permute(0, 3, 1, 2);
            Assert.False(nhwc.IsContiguous && p.C > 1 && p.H * p.W > 1);
            AssertClose(expected, F.Conv2d(nhwc, w, b, p.Stride, p.Pad, p.Dil, p.Groups).ToArray<double>(), dtype, $"{p} {dtype} NHWC");
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void BackwardMatchesDirectLoops(Case p)
    {
        var xv = Values(p.N * p.C * p.H * p.W, 4);
        var wv = Values(p.O * (p.C / p.Groups) * p.KH * p.KW, 5);
        var gy = Values(p.N * p.O * p.OutH * p.OutW, 6);
        var (gx, gw) = ReferenceBackward(p, xv, wv, gy);
        var gb = new double[p.O];
        for (int i = 0; i < gy.Length; i++) gb[i / (p.OutH * p.OutW) % p.O] += gy[i];
        foreach (var dtype in new[] { DType.Float32, DType.Float64 })
        {
            var x = Tensor.FromArray(xv, p.InputShape()).To(dtype).RequiresGrad_();
            var w = Tensor.FromArray(wv, p.WeightShape()).To(dtype).RequiresGrad_();
            var b = Tensor.Zeros([p.O], dtype).RequiresGrad_();
            F.Conv2d(x, w, b, p.Stride, p.Pad, p.Dil, p.Groups).Backward(Tensor.FromArray(gy, p.N, p.O, p.OutH, p.OutW).To(dtype));
            AssertClose(gx, x.Grad!.ToArray<double>(), dtype, $"{p} {dtype} input grad");
            AssertClose(gw, w.Grad!.ToArray<double>(), dtype, $"{p} {dtype} weight grad");
            AssertClose(gb, b.Grad!.ToArray<double>(), dtype, $"{p} {dtype} bias grad");
        }
    }

    [Fact]
    public void Gradients()
    {
        GradCheck.Check(t => F.Conv2d(t[0], t[1], t[2], padding: 1), GradCheck.Leaf(2, 3, 5, 5), GradCheck.Leaf(4, 3, 3, 3), GradCheck.Leaf(4));
        GradCheck.Check(t => F.Conv2d(t[0], t[1], null, stride: 2), GradCheck.Leaf(1, 2, 7, 6), GradCheck.Leaf(3, 2, 3, 2));
        GradCheck.Check(t => F.Conv2d(t[0], t[1], t[2], (2, 1), (1, 2), (2, 1)), GradCheck.Leaf(1, 2, 7, 6), GradCheck.Leaf(3, 2, 2, 3), GradCheck.Leaf(3));
        GradCheck.Check(t => F.Conv2d(t[0], t[1], t[2], padding: 1, dilation: 2, groups: 2), GradCheck.Leaf(2, 4, 5, 5), GradCheck.Leaf(6, 2, 3, 3), GradCheck.Leaf(6));
        GradCheck.Check(t => F.Conv2d(t[0], t[1], null, groups: 3), GradCheck.Leaf(1, 3, 4, 4), GradCheck.Leaf(3, 1, 2, 2));
        GradCheck.Check(t => F.Conv2d(t[0], t[1], t[2]), GradCheck.Leaf(2, 3, 4, 4), GradCheck.Leaf(5, 3, 1, 1), GradCheck.Leaf(5));
        // non-contiguous input and weight
        GradCheck.Check(t => F.Conv2d(t[0].Permute(0, 3, 1, 2), t[1].Transpose(2, 3), t[2], stride: 2, padding: 1),
            GradCheck.Leaf(2, 5, 6, 3), GradCheck.Leaf(2, 3, 3, 2), GradCheck.Leaf(2));
        // only some inputs need a gradient
        GradCheck.Check(t => F.Conv2d(t[0], t[1], t[2], padding: 1), GradCheck.Leaf(1, 2, 4, 4), Tensor.Randn([2, 2, 3, 3], DType.Float64), Tensor.Randn([2], DType.Float64));
        GradCheck.Check(t => F.Conv2d(t[0], t[1], padding: 1), Tensor.Randn([1, 2, 4, 4], DType.Float64), GradCheck.Leaf(3, 2, 3, 3));
    }

    [Fact]
    public void Errors()
    {
        var w = Tensor.Zeros(4, 3, 3, 3);
        var e = Assert.Throws<ArgumentException>(() => F.Conv2d(Tensor.Zeros(3, 28, 28), w));
        Assert.Equal("conv2d: expected a 4-D input [N, C, H, W], got [3, 28, 28]", e.Message);
        e = Assert.Throws<ArgumentException>(() => F.Conv2d(Tensor.Zeros(1, 3, 8, 8), Tensor.Zeros(4, 3, 3)));
        Assert.Equal("conv2d: expected a 4-D weight [out_channels, in_channels / groups, kH, kW], got [4, 3, 3]", e.Message);
        e = Assert.Throws<ArgumentException>(() => F.Conv2d(Tensor.Zeros(2, 5, 8, 8), w));
        Assert.Equal("conv2d: given groups=1 and weight [4, 3, 3, 3], expected input [2, 5, 8, 8] to have 3 in_channels (weight.shape[1] * groups), but got 5", e.Message);
        e = Assert.Throws<ArgumentException>(() => F.Conv2d(Tensor.Zeros(2, 3, 8, 8), Tensor.Zeros(4, 1, 3, 3), groups: 2));
        Assert.Equal("conv2d: in_channels 3 of input [2, 3, 8, 8] is not divisible by groups=2", e.Message);
        e = Assert.Throws<ArgumentException>(() => F.Conv2d(Tensor.Zeros(2, 4, 8, 8), Tensor.Zeros(5, 2, 3, 3), groups: 2));
        Assert.Equal("conv2d: out_channels 5 of weight [5, 2, 3, 3] is not divisible by groups=2", e.Message);
        e = Assert.Throws<ArgumentException>(() => F.Conv2d(Tensor.Zeros(1, 3, 2, 5), w));
        Assert.Equal("conv2d: input [1, 3, 2, 5] is too small for weight [4, 3, 3, 3]: calculated output size [0, 3] (stride (1, 1), padding (0, 0), dilation (1, 1)); the output size must be at least 1", e.Message);
        e = Assert.Throws<ArgumentException>(() => F.Conv2d(Tensor.Zeros(1, 3, 8, 8), w, Tensor.Zeros(3)));
        Assert.Equal("conv2d: bias [3] does not match weight [4, 3, 3, 3]: expected [4]", e.Message);
        e = Assert.Throws<ArgumentException>(() => F.Conv2d(Tensor.Zeros([1, 3, 8, 8], DType.Float64), w));
        Assert.Equal("conv2d: input (float64) and weight (float32) must have the same floating point dtype", e.Message);
        e = Assert.Throws<ArgumentException>(() => F.Conv2d(Tensor.Zeros(1, 3, 8, 8), w, stride: 0));
        Assert.Equal("conv2d: stride must be positive, got (0, 0)", e.Message);
        e = Assert.Throws<ArgumentException>(() => F.Conv2d(Tensor.Zeros(1, 3, 8, 8), w, groups: 0));
        Assert.Equal("conv2d: groups must be positive, got 0", e.Message);
    }
}
