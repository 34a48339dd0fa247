using static DeepGen.Tests.ReferenceData;

namespace DeepGen.Tests;

/// <summary>
/// The float32 row kernels (softmax, log-softmax, layer_norm; forward and backward) against the float64
/// path, whose kernels are plain double loops, at odd row lengths and row counts (up to ones that split
/// over threads) and on non-contiguous inputs.
/// </summary>
public class FloatRowKernelTests
{
    public static TheoryData<int, int> Shapes => new() { { 1, 1 }, { 1, 7 }, { 7, 33 }, { 33, 7 }, { 3, 1000 }, { 1000, 33 }, { 600, 1000 } };

    /// <summary>
    /// cross_entropy adds two gradients of over 8 MiB, which its backward writes with non-temporal stores
    /// (odd row lengths, so rows start at every alignment).
    /// </summary>
    public static TheoryData<int, int> CrossEntropyShapes
    {
        get
        {
            var shapes = Shapes;
            shapes.Add(2100, 1001);
            shapes.Add(1100, 1907);
            return shapes;
        }
    }

    /// <summary>A [rows, cols] float32 tensor and its float64 twin; transposed ones are views of a [cols, rows] tensor.</summary>
    static (Tensor F32, Tensor F64) Input(int rows, int cols, int seed, bool transposed, double scale = 3)
    {
        var values = Values(rows * cols, seed, scale);
        var t = transposed ? Tensor.FromArray(values, cols, rows).T : Tensor.FromArray(values, rows, cols);
        var f32 = t.Float();
        return (f32, f32.Double());
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void SoftmaxMatchesDouble(int rows, int cols)
    {
        foreach (bool transposed in new[] { false, true })
            foreach (bool log in new[] { false, true })
            {
                var (x32, x64) = Input(rows, cols, rows * 31 + cols, transposed);
                var g = Input(rows, cols, 7, false).F64;
                x32.RequiresGrad_();
                x64.RequiresGrad_();
                var y32 = log ? x32.LogSoftmax(-1) : x32.Softmax(-1);
                var y64 = log ? x64.LogSoftmax(-1) : x64.Softmax(-1);
                AssertClose(y64.Detach().ToArray<double>(), y32, 2e-6);
                y32.Backward(g.Float());
                y64.Backward(g);
                AssertClose(x64.Grad!.ToArray<double>(), x32.Grad!, 2e-5);
            }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void LayerNormMatchesDouble(int rows, int cols)
    {
        foreach (bool transposed in new[] { false, true })
            foreach (bool affine in new[] { false, true })
            {
                var (x32, x64) = Input(rows, cols, rows * 17 + cols, transposed);
                var (w32, w64) = Input(1, cols, 3, false);
                var (b32, b64) = Input(1, cols, 4, false);
                var g = Input(rows, cols, 9, false).F64;
                Tensor[] leaves32 = affine ? [x32, w32.Reshape(cols), b32.Reshape(cols)] : [x32];
                Tensor[] leaves64 = affine ? [x64, w64.Reshape(cols), b64.Reshape(cols)] : [x64];
                foreach (var leaf in leaves32.Concat(leaves64)) leaf.RequiresGrad_();
                var y32 = F.LayerNorm(x32, [cols], affine ? leaves32[1] : null, affine ? leaves32[2] : null);
                var y64 = F.LayerNorm(x64, [cols], affine ? leaves64[1] : null, affine ? leaves64[2] : null);
                AssertClose(y64.Detach().ToArray<double>(), y32, 2e-5);
                y32.Backward(g.Float());
                y64.Backward(g);
                // the weight and bias gradients sum over all rows: their tolerance grows with the row count
                for (int i = 0; i < leaves32.Length; i++)
                    AssertClose(leaves64[i].Grad!.ToArray<double>(), leaves32[i].Grad!, i == 0 ? 5e-5 : 2e-5 * Math.Sqrt(rows));
            }
    }

    [Theory]
    [MemberData(nameof(CrossEntropyShapes))]
    public void CrossEntropyMatchesDouble(int rows, int classes)
    {
        var targets = Enumerable.Range(0, rows).Select(i => (long)(i * 7919 % classes)).ToArray();
        if (rows > 2) targets[1] = -100; // ignored
        if (rows > 3) targets[^1] = classes - 1; // row 0 has target 0: both ends of a row
        var target = Tensor.FromArray(targets);
        foreach (bool transposed in new[] { false, true })
            foreach (bool weighted in new[] { false, true })
                foreach (string reduction in new[] { "mean", "sum", "none" })
                {
                    var (x32, x64) = Input(rows, classes, rows + classes, transposed, scale: 5);
                    var (w32, w64) = Input(1, classes, 2, false);
                    var weight32 = weighted ? (w32.Reshape(classes).Abs() + 0.5).Detach().RequiresGrad_() : null;
                    var weight64 = weighted ? (w64.Reshape(classes).Abs() + 0.5).Detach().RequiresGrad_() : null;
                    x32.RequiresGrad_();
                    x64.RequiresGrad_();
                    var l32 = F.CrossEntropy(x32, target, weight32, reduction: reduction);
                    var l64 = F.CrossEntropy(x64, target, weight64, reduction: reduction);
                    string what = $"{rows}x{classes} transposed={transposed} weighted={weighted} {reduction}";
                    AssertClose(l64.Detach().ToArray<double>(), l32, 2e-5);
                    var upstream = reduction == "none" ? Tensor.FromArray(Values(rows, 4)) : Tensor.Scalar(1.5);
                    l32.Backward(upstream.Float());
                    l64.Backward(upstream.Double());
                    AssertClose(x64.Grad!.ToArray<double>(), x32.Grad!, 2e-5);
                    if (weighted) AssertClose(weight64!.Grad!.ToArray<double>(), weight32!.Grad!, 1e-4);
                    Assert.True(rows <= 2 || x32.Grad!.ToArray<float>().Skip(classes).Take(classes).All(v => v == 0), $"{what}: ignored row has a gradient");
                }
    }

    [Fact]
    public void SoftmaxOfARowWithNaNIsNaNAndOtherRowsAreUntouched()
    {
        var x = Tensor.FromArray(Values(3 * 40, 5), 3, 40).Float();
        var values = x.ToArray<float>();
        values[40 + 17] = float.NaN;
        var y = Tensor.FromArray(values, 3, 40).Softmax(-1).ToArray<float>();
        for (int j = 0; j < 40; j++) Assert.True(float.IsNaN(y[40 + j]), $"row 1, column {j}");
        Assert.Equal(1.0, y.Take(40).Sum(v => (double)v), 5);
        Assert.Equal(1.0, y.Skip(80).Sum(v => (double)v), 5);
    }

    [Fact]
    public void MaskedSoftmaxGivesExactZeros()
    {
        // -inf entries (a causal mask) must come out exactly 0, as in PyTorch
        var x = Tensor.FromArray(Values(5 * 37, 6), 5, 37).Float();
        var mask = Tensor.Arange(37).Unsqueeze(0).Gt(Tensor.Arange(5).Unsqueeze(1));
        var y = x.MaskedFill(mask, double.NegativeInfinity).Softmax(-1).ToArray<float>();
        for (int r = 0; r < 5; r++)
            for (int j = r + 1; j < 37; j++) Assert.Equal(0f, y[r * 37 + j]);
    }
}
