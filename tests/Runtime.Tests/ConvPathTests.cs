namespace DeepGen.Tests;

/// <summary>
/// conv2d's special paths against direct loops: im2col / col2im as one shifted copy of the plane (stride 1,
/// output rows as wide as input rows), the weight gradient as row dot products (few input channels, long
/// planes) or as the transposed GEMM (the rest, grouped too), each also large enough to be split over threads.
/// </summary>
public class ConvPathTests
{
    public record Case(int N, int C, int H, int W, int O, int KH, int KW, (int H, int W) Pad, (int H, int W) Dil, int Groups)
    {
        public int OutH => H + 2 * Pad.H - Dil.H * (KH - 1);
        public int OutW => W + 2 * Pad.W - Dil.W * (KW - 1);
        public override string ToString() => $"N{N} C{C} {H}x{W} O{O} k{KH}x{KW} p{Pad} d{Dil} g{Groups}";
    }

    /// <summary>Stride 1 throughout: y, and the gradients of sum(y * gy) for x, w and the bias.</summary>
    static (double[] Y, double[] Gx, double[] Gw, double[] Gb) Reference(Case p, double[] x, double[] w, double[] b, double[] gy)
    {
        int cg = p.C / p.Groups, og = p.O / p.Groups;
        var y = new double[p.N * p.O * p.OutH * p.OutW];
        var gx = new double[x.Length];
        var gw = new double[w.Length];
        var gb = new double[p.O];
        for (int n = 0; n < p.N; n++)
            for (int o = 0; o < p.O; o++)
                for (int oh = 0; oh < p.OutH; oh++)
                    for (int ow = 0; ow < p.OutW; ow++)
                    {
                        int yi = ((n * p.O + o) * p.OutH + oh) * p.OutW + ow;
                        double sum = b[o];
                        gb[o] += gy[yi];
                        for (int c = 0; c < cg; c++)
                            for (int ki = 0; ki < p.KH; ki++)
                                for (int kj = 0; kj < p.KW; kj++)
                                {
                                    int ih = oh - p.Pad.H + ki * p.Dil.H, iw = ow - p.Pad.W + kj * p.Dil.W;
                                    if (ih < 0 || ih >= p.H || iw < 0 || iw >= p.W) continue;
                                    int xi = ((n * p.C + o / og * cg + c) * p.H + ih) * p.W + iw;
                                    int wi = ((o * cg + c) * p.KH + ki) * p.KW + kj;
                                    sum += x[xi] * w[wi];
                                    gx[xi] += gy[yi] * w[wi];
                                    gw[wi] += gy[yi] * x[xi];
                                }
                        y[yi] = sum;
                    }
        return (y, gx, gw, gb);
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
        // shifted planes: "same" 3x3, unpadded rows (fewer output rows), 5x5, dilated, 1x3, one-pixel and one-column images
        new(2, 3, 7, 9, 4, 3, 3, (1, 1), (1, 1), 1),
        new(2, 2, 6, 5, 3, 3, 3, (0, 1), (1, 1), 1),
        new(1, 2, 9, 8, 3, 5, 5, (2, 2), (1, 1), 1),
        new(2, 2, 7, 7, 2, 3, 3, (2, 2), (2, 2), 1),
        new(1, 3, 4, 6, 2, 1, 3, (0, 1), (1, 1), 1),
        new(2, 2, 1, 1, 3, 3, 3, (1, 1), (1, 1), 1),
        new(1, 2, 5, 1, 2, 3, 3, (1, 1), (1, 1), 1),
        // row dot products: 5 x 27 (a partial block of rows), a plane not a multiple of the vector width
        new(3, 3, 9, 9, 5, 3, 3, (1, 1), (1, 1), 1),
        // conv1 of the Fashion-MNIST model, eight images: dot products split over threads
        new(8, 1, 28, 28, 32, 3, 3, (1, 1), (1, 1), 1),
        // the transposed GEMM: plain, grouped, and split over threads
        new(2, 16, 6, 6, 32, 3, 3, (1, 1), (1, 1), 1),
        new(2, 8, 6, 6, 32, 3, 3, (1, 1), (1, 1), 2),
        new(4, 16, 20, 20, 32, 3, 3, (1, 1), (1, 1), 1),
    ];

    [Theory]
    [MemberData(nameof(Cases))]
    public void ForwardAndBackwardMatchDirectLoops(Case p)
    {
        var xv = Values(p.N * p.C * p.H * p.W, 1);
        var wv = Values(p.O * (p.C / p.Groups) * p.KH * p.KW, 2);
        var bv = Values(p.O, 3);
        var gyv = Values(p.N * p.O * p.OutH * p.OutW, 4);
        var (y, gx, gw, gb) = Reference(p, xv, wv, bv, gyv);
        foreach (var dtype in new[] { DType.Float32, DType.Float64 })
        {
            var x = Tensor.FromArray(xv, p.N, p.C, p.H, p.W).To(dtype).RequiresGrad_();
            var w = Tensor.FromArray(wv, p.O, p.C / p.Groups, p.KH, p.KW).To(dtype).RequiresGrad_();
            var b = Tensor.FromArray(bv).To(dtype).RequiresGrad_();
            var result = F.Conv2d(x, w, b, (1, 1), p.Pad, p.Dil, p.Groups);
            Assert.Equal(new[] { p.N, p.O, p.OutH, p.OutW }, result.ShapeArray());
            AssertClose(y, result.To(DType.Float64).ToArray<double>(), dtype, $"{p} {dtype} output");
            result.Backward(Tensor.FromArray(gyv, p.N, p.O, p.OutH, p.OutW).To(dtype));
            AssertClose(gx, x.Grad!.To(DType.Float64).ToArray<double>(), dtype, $"{p} {dtype} input grad");
            AssertClose(gw, w.Grad!.To(DType.Float64).ToArray<double>(), dtype, $"{p} {dtype} weight grad");
            AssertClose(gb, b.Grad!.To(DType.Float64).ToArray<double>(), dtype, $"{p} {dtype} bias grad");
        }
    }

    [Fact]
    public void WeightGradientAloneWhenTheInputNeedsNone()
    {
        // the model's first layer: the images need no gradient, so none is computed for them
        var p = new Case(2, 1, 28, 28, 32, 3, 3, (1, 1), (1, 1), 1);
        var xv = Values(p.N * p.H * p.W, 5);
        var wv = Values(p.O * 9, 6);
        var gyv = Values(p.N * p.O * p.OutH * p.OutW, 7);
        var (_, _, gw, gb) = Reference(p, xv, wv, new double[p.O], gyv);
        var x = Tensor.FromArray(xv, p.N, 1, p.H, p.W).To(DType.Float32);
        var w = Tensor.FromArray(wv, p.O, 1, 3, 3).To(DType.Float32).RequiresGrad_();
        var b = Tensor.Zeros([p.O]).RequiresGrad_();
        F.Conv2d(x, w, b, padding: 1).Backward(Tensor.FromArray(gyv, p.N, p.O, p.OutH, p.OutW).To(DType.Float32));
        Assert.Null(x.Grad);
        AssertClose(gw, w.Grad!.To(DType.Float64).ToArray<double>(), DType.Float32, "weight grad");
        AssertClose(gb, b.Grad!.To(DType.Float64).ToArray<double>(), DType.Float32, "bias grad");
    }

    [Fact]
    public void GradCheckOnTheSpecialPaths()
    {
        // shifted planes with dilation, and fewer output rows than input rows
        GradCheck.Check(t => F.Conv2d(t[0], t[1], t[2], (1, 1), (2, 2), (2, 2)), GradCheck.Leaf(1, 2, 5, 6), GradCheck.Leaf(3, 2, 3, 3), GradCheck.Leaf(3));
        GradCheck.Check(t => F.Conv2d(t[0], t[1], null, (1, 1), (0, 1)), GradCheck.Leaf(2, 1, 5, 4), GradCheck.Leaf(2, 1, 3, 3));
        // the transposed GEMM, on a non-contiguous input
        GradCheck.Check(t => F.Conv2d(t[0].Transpose(2, 3), t[1], t[2], padding: 1), GradCheck.Leaf(1, 12, 3, 3), GradCheck.Leaf(24, 12, 3, 3), GradCheck.Leaf(24));
    }
}
