namespace DeepGen.Tests;

/// <summary>
/// The kernel 2, stride 2, unpadded pooling path against direct loops and against the general path, at
/// sizes that exercise its four-wide vector steps, the overlapping last step, rows under four outputs and
/// odd heights and widths (whose last row or column is in no window).
/// </summary>
public class Pool2x2Tests
{
    static double[] Values(int count, int seed)
    {
        var rng = new Random(seed);
        var v = new double[count];
        // few distinct values, so windows often hold ties
        for (int i = 0; i < count; i++) v[i] = rng.Next(-4, 5) / 4.0;
        return v;
    }

    /// <summary>Max over each 2x2 window and the flat index of the first maximum (a NaN wins, the last NaN over earlier ones).</summary>
    static (double[] Values, long[] Indices) ReferenceMax(double[] x, int planes, int h, int w)
    {
        int oh = h / 2, ow = w / 2;
        var values = new double[planes * oh * ow];
        var indices = new long[values.Length];
        int o = 0;
        for (int p = 0; p < planes; p++)
            for (int i = 0; i < oh; i++)
                for (int j = 0; j < ow; j++, o++)
                {
                    double best = double.NegativeInfinity;
                    long arg = -1;
                    foreach (var (di, dj) in new[] { (0, 0), (0, 1), (1, 0), (1, 1) })
                    {
                        int at = (2 * i + di) * w + 2 * j + dj;
                        double v = x[p * h * w + at];
                        if (arg < 0 || v > best || double.IsNaN(v)) (best, arg) = (v, at);
                    }
                    values[o] = best;
                    indices[o] = arg;
                }
        return (values, indices);
    }

    static double[] ReferenceAvg(double[] x, int planes, int h, int w, double divisor)
    {
        int oh = h / 2, ow = w / 2;
        var result = new double[planes * oh * ow];
        int o = 0;
        for (int p = 0; p < planes; p++)
            for (int i = 0; i < oh; i++)
                for (int j = 0; j < ow; j++, o++)
                {
                    int top = p * h * w + 2 * i * w + 2 * j;
                    result[o] = (x[top] + x[top + 1] + x[top + w] + x[top + w + 1]) / divisor;
                }
        return result;
    }

    static void AssertSame(double[] expected, double[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            if (!(expected[i] == actual[i] || double.IsNaN(expected[i]) && double.IsNaN(actual[i]) || Math.Abs(expected[i] - actual[i]) <= 1e-6 * (1 + Math.Abs(expected[i]))))
                Assert.Fail($"{what}: element {i}: expected {expected[i]:G10}, got {actual[i]:G10}");
    }

    public static TheoryData<int, int, int> Sizes => new()
    {
        { 3, 2, 2 },     // one window
        { 2, 3, 5 },     // odd height and width
        { 2, 7, 9 },     // four outputs per row, last row and column left out
        { 1, 8, 8 },     // exactly four
        { 2, 5, 11 },    // five: the last step overlaps the first
        { 2, 14, 14 },   // seven per row
        { 2, 4, 7 },     // three per row: element by element
        { 1, 9, 17 },    // eight
        { 3, 28, 28 },
        { 64, 34, 35 },  // big enough to be split over threads
    };

    [Theory]
    [MemberData(nameof(Sizes))]
    public void MaxMatchesDirectLoopsAndTheGeneralPath(int planes, int h, int w)
    {
        var xv = Values(planes * h * w, h * 100 + w);
        // NaNs (two in one window somewhere) and infinities among the values
        xv[xv.Length / 3] = double.NaN;
        xv[xv.Length / 2] = double.NegativeInfinity;
        xv[xv.Length - 1] = double.PositiveInfinity;
        if (w >= 2) (xv[0], xv[1]) = (double.NaN, double.NaN);
        var (expected, expectedIndices) = ReferenceMax(xv, planes, h, w);
        foreach (var dtype in new[] { DType.Float32, DType.Float64 })
        {
            var x = Tensor.FromArray(xv, planes, h, w).To(dtype);
            var (values, indices) = F.MaxPool2dWithIndices(x, 2);
            Assert.Equal(new[] { planes, h / 2, w / 2 }, values.ShapeArray());
            AssertSame(expected, values.To(DType.Float64).ToArray<double>(), $"{dtype} values");
            Assert.Equal(expectedIndices, indices.ToArray<long>());
            AssertSame(expected, F.MaxPool2d(x.Unsqueeze(0), 2).To(DType.Float64).ToArray<double>(), $"{dtype} 4-D values");

            // ceil mode on odd sizes adds partial windows, which only the general path handles; the whole ones agree
            if (h % 2 == 1 || w % 2 == 1)
            {
                var (general, generalIndices) = F.MaxPool2dWithIndices(x, (2, 2), ceilMode: true);
                var whole = general[.., ..(h / 2), ..(w / 2)];
                AssertSame(values.To(DType.Float64).ToArray<double>(), whole.To(DType.Float64).ToArray<double>(), $"{dtype} general path");
                Assert.Equal(indices.ToArray<long>(), generalIndices[.., ..(h / 2), ..(w / 2)].ToArray<long>());
            }
        }
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public void MaxBackwardSendsEachGradientToItsWinner(int planes, int h, int w)
    {
        var xv = Values(planes * h * w, h * 10 + w);
        var (_, indices) = ReferenceMax(xv, planes, h, w);
        int outPlane = h / 2 * (w / 2);
        var gy = Values(planes * outPlane, 7);
        var expected = new double[xv.Length];
        for (int i = 0; i < gy.Length; i++) expected[i / outPlane * h * w + indices[i]] += gy[i];
        foreach (var dtype in new[] { DType.Float32, DType.Float64 })
        {
            var x = Tensor.FromArray(xv, planes, h, w).To(dtype).RequiresGrad_();
            F.MaxPool2d(x, 2).Backward(Tensor.FromArray(gy, planes, h / 2, w / 2).To(dtype));
            AssertSame(expected, x.Grad!.To(DType.Float64).ToArray<double>(), $"{dtype}");
        }
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public void AvgMatchesDirectLoopsAndTheGeneralPath(int planes, int h, int w)
    {
        var xv = Values(planes * h * w, h * 7 + w);
        foreach (var dtype in new[] { DType.Float32, DType.Float64 })
        {
            var x = Tensor.FromArray(xv, planes, h, w).To(dtype);
            foreach (int? divisor in new int?[] { null, 3 })
            {
                var y = F.AvgPool2d(x, 2, divisorOverride: divisor);
                AssertSame(ReferenceAvg(xv, planes, h, w, divisor ?? 4), y.To(DType.Float64).ToArray<double>(), $"{dtype} divisor {divisor}");
                Assert.Equal(y.To(DType.Float64).ToArray<double>(), F.AvgPool2d(x, 2, countIncludePad: false, divisorOverride: divisor).To(DType.Float64).ToArray<double>());
                if (h % 2 == 1 || w % 2 == 1)
                {
                    var general = F.AvgPool2d(x, (2, 2), ceilMode: true, divisorOverride: divisor)[.., ..(h / 2), ..(w / 2)];
                    AssertSame(y.To(DType.Float64).ToArray<double>(), general.To(DType.Float64).ToArray<double>(), $"{dtype} general path");
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public void AvgBackwardSpreadsEachGradient(int planes, int h, int w)
    {
        int outW = w / 2, outPlane = h / 2 * outW;
        var gy = Values(planes * outPlane, 5);
        var expected = new double[planes * h * w];
        for (int i = 0; i < gy.Length; i++)
        {
            int p = i / outPlane, oh = i % outPlane / outW, ow = i % outW;
            foreach (var (di, dj) in new[] { (0, 0), (0, 1), (1, 0), (1, 1) }) expected[p * h * w + (2 * oh + di) * w + 2 * ow + dj] = gy[i] / 4;
        }
        foreach (var dtype in new[] { DType.Float32, DType.Float64 })
        {
            var x = Tensor.Zeros([planes, h, w], dtype).RequiresGrad_();
            F.AvgPool2d(x, 2).Backward(Tensor.FromArray(gy, planes, h / 2, outW).To(dtype));
            AssertSame(expected, x.Grad!.To(DType.Float64).ToArray<double>(), $"{dtype}");
        }
    }

    [Fact]
    public void TiesGoToTheFirstTapInWindowOrder()
    {
        // each window holds its maximum twice: at the taps named in the comment, the first listed must win
        var x = Tensor.FromArray(new float[]
        {
            1, 1, 0, 2, 0, 0, 3, 0,   // top left and top right | top right and bottom right | bottom left and bottom right | top left and bottom left
            0, 0, 0, 2, 3, 3, 3, 0,
        }, 1, 2, 8);
        var (values, indices) = F.MaxPool2dWithIndices(x, 2);
        Assert.Equal(new float[] { 1, 2, 3, 3 }, values.ToArray<float>());
        Assert.Equal(new long[] { 0, 3, 12, 6 }, indices.ToArray<long>());
    }

    [Fact]
    public void GradCheckOnOddSizesAndViews()
    {
        GradCheck.Check(t => F.MaxPool2d(t[0], 2), GradCheck.Leaf(2, 3, 7, 9));
        GradCheck.Check(t => F.MaxPool2d(t[0].Transpose(2, 3), 2), GradCheck.Leaf(1, 2, 11, 5));
        GradCheck.Check(t => F.AvgPool2d(t[0], 2), GradCheck.Leaf(2, 3, 7, 9));
        GradCheck.Check(t => F.AvgPool2d(t[0].Transpose(2, 3), 2, divisorOverride: 3), GradCheck.Leaf(1, 2, 11, 5));
    }
}
