namespace DeepGen.Tests;

public class ElementwiseMathTests
{
    // ---- reference helpers ----

    static double[] Values(int n, double lo, double hi, ulong seed)
    {
        var g = new Generator(seed);
        var v = new double[n];
        for (int i = 0; i < n; i++) v[i] = lo + (hi - lo) * g.NextDouble();
        return v;
    }

    /// <summary>
    /// erf from its everywhere-convergent series of positive terms,
    /// erf(x) = 2/sqrt(pi) exp(-x^2) sum_n 2^n x^(2n+1) / (1*3*...*(2n+1)): slow, but obviously right and
    /// free of cancellation, so an independent check of the library's rational approximation.
    /// </summary>
    static double ReferenceErf(double x)
    {
        double term = x, sum = x;
        for (int n = 1; Math.Abs(term) > 1e-18 * Math.Abs(sum); n++)
        {
            term *= 2 * x * x / (2 * n + 1);
            sum += term;
        }
        return 2 / Math.Sqrt(Math.PI) * Math.Exp(-x * x) * sum;
    }

    static double ReferenceSigmoid(double x) => 1 / (1 + Math.Exp(-x));

    /// <summary>
    /// Checks op against a scalar reference at sizes 1, 7 and 33 and on a transposed 7x5 view, in float32 and
    /// float64; the reference sees the inputs as rounded to the dtype.
    /// </summary>
    static void CheckForward(Func<Tensor, Tensor> op, Func<double, double> reference, double lo, double hi, double rtol32 = 2e-6, double rtol64 = 1e-13)
    {
        foreach (var dtype in new[] { DType.Float32, DType.Float64 })
        {
            double rtol = dtype == DType.Float32 ? rtol32 : rtol64;
            double atol = dtype == DType.Float32 ? 1e-6 : 1e-14;
            ulong seed = 1;
            foreach (int n in new[] { 1, 7, 33 })
                Compare(Tensor.FromArray(Values(n, lo, hi, seed++)).To(dtype));
            Compare(Tensor.FromArray(Values(35, lo, hi, seed), 7, 5).To(dtype).T);

            void Compare(Tensor x)
            {
                var y = op(x);
                Assert.Equal(dtype, y.DType);
                Assert.Equal(x.ShapeArray(), y.ShapeArray());
                var inputs = x.ToArray<double>();
                var got = y.ToArray<double>();
                for (int i = 0; i < inputs.Length; i++)
                {
                    double expected = reference(inputs[i]);
                    Assert.True(Math.Abs(got[i] - expected) <= atol + rtol * Math.Abs(expected),
                        $"{dtype.Name()} x = {inputs[i]:R}: got {got[i]:R}, expected {expected:R}");
                }
            }
        }
    }

    /// <summary>A 3x5 float64 leaf whose values keep at least 0.05 from each kink of the op under test.</summary>
    static Tensor LeafAwayFrom(params double[] kinks)
    {
        var v = Tensor.Randn([3, 5], DType.Float64, new Generator(42)).ToArray<double>();
        for (int i = 0; i < v.Length; i++)
            foreach (var k in kinks)
                if (Math.Abs(v[i] - k) < 0.05) v[i] = k + 0.1;
        return Tensor.FromArray(v, 3, 5).RequiresGrad_();
    }

    /// <summary>Gradient check on the leaf itself, a transposed view of it, and a broadcast (expanded) view.</summary>
    static void CheckGrad(Func<Tensor, Tensor> op, Tensor leaf)
    {
        GradCheck.Check(t => op(t[0]), leaf);
        GradCheck.Check(t => op(t[0].T), leaf);
        GradCheck.Check(t => op(t[0].Unsqueeze(0).Expand(2, 3, 5)), leaf);
    }

    // ---- erf ----

    [Theory]
    [InlineData(1e-300, 1.1283791670955126e-300, 1.0)]
    [InlineData(1e-10, 1.1283791670955126e-10, 0.999999999887162)]
    [InlineData(1e-05, 1.1283791670579e-05, 0.9999887162083294)]
    [InlineData(0.1, 0.1124629160182849, 0.887537083981715)]
    [InlineData(0.25, 0.27632639016823696, 0.7236736098317631)]
    [InlineData(0.46875, 0.49261347321793797, 0.507386526782062)]
    [InlineData(0.4687500000000001, 0.4926134732179381, 0.5073865267820619)]
    [InlineData(0.5, 0.5204998778130465, 0.4795001221869535)]
    [InlineData(0.75, 0.7111556336535151, 0.28884436634648486)]
    [InlineData(1.0, 0.8427007929497149, 0.15729920705028513)]
    [InlineData(1.5, 0.9661051464753108, 0.033894853524689274)]
    [InlineData(2.0, 0.9953222650189527, 0.004677734981047266)]
    [InlineData(2.5, 0.999593047982555, 0.0004069520174449589)]
    [InlineData(3.0, 0.9999779095030014, 2.209049699858544e-05)]
    [InlineData(3.5, 0.9999992569016276, 7.430983723414128e-07)]
    [InlineData(3.9999, 0.9999999845700388, 1.5429961215558176e-08)]
    [InlineData(4.0, 0.9999999845827421, 1.541725790028002e-08)]
    [InlineData(4.0001, 0.9999999845954353, 1.5404564743590145e-08)]
    [InlineData(4.5, 0.9999999998033839, 1.9661604415428876e-10)]
    [InlineData(5.0, 0.9999999999984626, 1.537459794428035e-12)]
    [InlineData(5.9, 0.9999999999999999, 7.190409783550478e-17)]
    [InlineData(6.0, 1.0, 2.1519736712498913e-17)]
    [InlineData(10.0, 1.0, 2.088487583762545e-45)]
    [InlineData(26.0, 1.0, 5.663192408856143e-296)]
    public void ErfMatchesHighPrecisionValues(double x, double erf, double erfc)
    {
        // expected values from mpmath at 50 digits, rounded to double
        AssertRelative(erf, Kernels.ErfMath.Erf(x), 1e-15);
        AssertRelative(-erf, Kernels.ErfMath.Erf(-x), 1e-15);
        AssertRelative(erfc, Kernels.ErfMath.Erfc(x), 1e-14);
        AssertRelative(2 - erfc, Kernels.ErfMath.Erfc(-x), 1e-15);
    }

    static void AssertRelative(double expected, double actual, double rtol) =>
        Assert.True(Math.Abs(actual - expected) <= rtol * Math.Abs(expected), $"expected {expected:R}, got {actual:R}");

    [Fact]
    public void ErfEdgeCases()
    {
        Assert.Equal(0.0, Kernels.ErfMath.Erf(0));
        Assert.True(double.IsNegative(Kernels.ErfMath.Erf(-0.0)));
        Assert.Equal(1.0, Kernels.ErfMath.Erf(double.PositiveInfinity));
        Assert.Equal(-1.0, Kernels.ErfMath.Erf(double.NegativeInfinity));
        Assert.Equal(0.0, Kernels.ErfMath.Erfc(double.PositiveInfinity));
        Assert.Equal(2.0, Kernels.ErfMath.Erfc(double.NegativeInfinity));
        Assert.True(double.IsNaN(Kernels.ErfMath.Erf(double.NaN)));
        Assert.True(double.IsNaN(Kernels.ErfMath.Erfc(double.NaN)));
        AssertRelative(-0.9999779095030014, Kernels.ErfMath.Erf(-3), 1e-15);
    }

    [Fact]
    public void ErfAgreesWithSeriesAcrossTheRange()
    {
        for (double x = -6; x <= 6; x += 0.0137)
            AssertRelative(ReferenceErf(x), Kernels.ErfMath.Erf(x), 2e-15);
    }

    // ---- forward values against reference loops ----

    [Fact]
    public void UnaryForwardMatchesReference()
    {
        CheckForward(x => x.Abs(), Math.Abs, -3, 3);
        CheckForward(x => x.Sign(), v => Math.Sign(v), -3, 3);
        CheckForward(x => x.Square(), v => v * v, -3, 3);
        CheckForward(x => x.Sqrt(), Math.Sqrt, 0.01, 9);
        CheckForward(x => x.Rsqrt(), v => 1 / Math.Sqrt(v), 0.01, 9);
        CheckForward(x => x.Sin(), Math.Sin, -7, 7);
        CheckForward(x => x.Cos(), Math.Cos, -7, 7);
        CheckForward(x => x.Tanh(), Math.Tanh, -5, 5);
        CheckForward(x => x.Sigmoid(), ReferenceSigmoid, -12, 12);
        CheckForward(x => x.Erf(), ReferenceErf, -4, 4);
        CheckForward(x => x.Erfc(), v => 1 - ReferenceErf(v), -4, 1, rtol64: 1e-12);
        CheckForward(x => x.Relu(), v => v > 0 ? v : 0, -3, 3);
        CheckForward(x => x.LeakyRelu(0.2), v => v > 0 ? v : 0.2 * v, -3, 3);
        CheckForward(x => x.Gelu(), v => 0.5 * v * (1 + ReferenceErf(v / Math.Sqrt(2))), -4, 4, rtol64: 1e-11);
        CheckForward(x => x.Gelu("tanh"), v => 0.5 * v * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (v + 0.044715 * v * v * v))), -4, 4, rtol32: 1e-5);
        CheckForward(x => x.Silu(), v => v / (1 + Math.Exp(-v)), -8, 8);
        CheckForward(x => x.Softplus(), v => v > 20 ? v : Math.Log(1 + Math.Exp(v)), -6, 6, rtol64: 1e-12);
        CheckForward(x => x.Softplus(2, 3), v => 2 * v > 3 ? v : Math.Log(1 + Math.Exp(2 * v)) / 2, -3, 3, rtol64: 1e-12);
        CheckForward(x => x.Clamp(-0.5, 1.25), v => Math.Min(Math.Max(v, -0.5), 1.25), -3, 3);
        CheckForward(x => x.Clamp(min: 0.5), v => Math.Max(v, 0.5), -3, 3);
        CheckForward(x => x.Clamp(max: -0.5), v => Math.Min(v, -0.5), -3, 3);
        CheckForward(x => x.Pow(3), v => v * v * v, -3, 3);
        CheckForward(x => x.Pow(2), v => v * v, -3, 3);
        CheckForward(x => x.Pow(0.5), Math.Sqrt, 0.01, 9);
        CheckForward(x => x.Pow(-1.5), v => Math.Pow(v, -1.5), 0.1, 9, rtol32: 1e-5);
        CheckForward(x => Tensor.Pow(2.5, x), v => Math.Pow(2.5, v), -3, 3, rtol32: 1e-5);
    }

    [Fact]
    public void BinaryForwardMatchesReference()
    {
        foreach (var dtype in new[] { DType.Float32, DType.Float64 })
        {
            // [7, 1, 33] against [5, 1]: broadcast to [7, 5, 33], the first operand transposed in memory
            var a = Tensor.FromArray(Values(7 * 33, 0.5, 2, 3), 33, 7).To(dtype).T.Unsqueeze(1);
            var b = Tensor.FromArray(Values(5, -2, 2, 4), 5, 1).To(dtype);
            var av = a.Contiguous().ToArray<double>();
            var bv = b.ToArray<double>();
            var pow = a.Pow(b).ToArray<double>();
            var max = a.Maximum(b).ToArray<double>();
            var min = a.Minimum(b).ToArray<double>();
            double rtol = dtype == DType.Float32 ? 1e-5 : 1e-14;
            for (int i = 0; i < 7; i++)
                for (int j = 0; j < 5; j++)
                    for (int k = 0; k < 33; k++)
                    {
                        double x = av[i * 33 + k], y = bv[j];
                        int at = (i * 5 + j) * 33 + k;
                        Assert.Equal(Math.Pow(x, y), pow[at], Math.Pow(x, y) * rtol);
                        Assert.Equal(Math.Max(x, y), max[at]);
                        Assert.Equal(Math.Min(x, y), min[at]);
                    }
        }
    }

    // ---- dtypes ----

    [Fact]
    public void IntegralInputsComputeInFloat32()
    {
        var i = Tensor.Arange(4);
        foreach (var y in new[] { i.Sqrt(), i.Rsqrt(), i.Sin(), i.Cos(), i.Tanh(), i.Sigmoid(), i.Erf(), i.Gelu(), i.Silu(), i.Softplus(), i.Pow(0.5) })
            Assert.Equal(DType.Float32, y.DType);
        Assert.Equal(new float[] { 0, 1, MathF.Sqrt(2), MathF.Sqrt(3) }, i.Sqrt().ToArray<float>());
        Assert.Equal(DType.Float32, Tensor.FromArray(new[] { true, false }).Sigmoid().DType);
    }

    [Fact]
    public void IntegerValuedOpsKeepInt64()
    {
        var i = Tensor.FromArray(new long[] { -3, -1, 0, 2, 5 });
        Assert.Equal(new long[] { 3, 1, 0, 2, 5 }, i.Abs().ToArray<long>());
        Assert.Equal(new long[] { 9, 1, 0, 4, 25 }, i.Square().ToArray<long>());
        Assert.Equal(new long[] { 0, 0, 0, 2, 5 }, i.Relu().ToArray<long>());
        Assert.Equal(new long[] { -1, -1, 0, 1, 1 }, i.Sign().ToArray<long>());
        Assert.Equal(new long[] { -27, -1, 0, 8, 125 }, i.Pow(3).ToArray<long>());
        Assert.Equal(new long[] { 1, 1, 1, 1, 1 }, i.Pow(0).ToArray<long>());
        Assert.Equal(new long[] { -1, -1, 0, 2, 2 }, i.Clamp(-1, 2).ToArray<long>());
        Assert.Equal(new long[] { 0, 2, 0, 2, 5 }, i.Maximum(Tensor.FromArray(new long[] { 0, 2, 0, 2, 2 })).ToArray<long>());
        foreach (var y in new[] { i.Abs(), i.Square(), i.Relu(), i.Pow(3), i.Clamp(-1, 2) })
            Assert.Equal(DType.Int64, y.DType);

        var fractional = i.Clamp(-0.5, 2.5);
        Assert.Equal(DType.Float32, fractional.DType);
        Assert.Equal(new float[] { -0.5f, -0.5f, 0, 2, 2.5f }, fractional.ToArray<float>());
        Assert.Equal(DType.Float32, i.Pow(1.5).DType);
        Assert.Equal(new long[] { 1, 0, 0 }, Tensor.FromArray(new[] { true, false, false }).Pow(2).ToArray<long>());

        // integer pow with a tensor exponent: negative powers give 1, -1 or 0, as PyTorch's integer pow
        var b = Tensor.FromArray(new long[] { 2, -1, -1, 1, 3 });
        var e = Tensor.FromArray(new long[] { 10, 3, -2, -5, -1 });
        Assert.Equal(new long[] { 1024, -1, 1, 1, 0 }, b.Pow(e).ToArray<long>());
    }

    [Fact]
    public void NaNPropagates()
    {
        var x = Tensor.FromArray(new[] { double.NaN, 1.0 });
        Assert.True(double.IsNaN(x.Relu().ToArray<double>()[0]));
        Assert.True(double.IsNaN(x.Clamp(0, 0.5).ToArray<double>()[0]));
        Assert.True(double.IsNaN(x.Maximum(Tensor.FromArray(new[] { 0.0, double.NaN })).ToArray<double>()[0]));
        Assert.True(double.IsNaN(x.Maximum(Tensor.FromArray(new[] { 0.0, double.NaN })).ToArray<double>()[1]));
        Assert.True(double.IsNaN(x.Minimum(Tensor.Scalar(5, DType.Float64)).ToArray<double>()[0]));
        Assert.True(double.IsNaN(x.Gelu().ToArray<double>()[0]));
    }

    [Fact]
    public void ExtremeInputsStayFinite()
    {
        var x = Tensor.FromArray(new[] { -1000.0, -30, 30, 1000 });
        var sigmoid = x.Sigmoid().ToArray<double>();
        Assert.Equal(0.0, sigmoid[0]);
        AssertRelative(9.357622968839299e-14, sigmoid[1], 1e-15);
        AssertRelative(1 - 9.357622968839299e-14, sigmoid[2], 1e-15);
        Assert.Equal(1.0, sigmoid[3]);
        var softplus = x.Softplus().ToArray<double>();
        Assert.Equal(0.0, softplus[0]);
        AssertRelative(9.357622968839737e-14, softplus[1], 1e-15);
        Assert.Equal(new[] { 30.0, 1000 }, softplus[2..]);
        var gelu = x.Gelu().ToArray<double>();
        Assert.Equal(0.0, gelu[0]);
        Assert.Equal(1000.0, gelu[3]);
        Assert.Equal(0.0, x.Silu().ToArray<double>()[0], 12);
        // softplus of tiny inputs keeps full precision (log1p, not log(1 + z))
        AssertRelative(1.0000000000000024e-30, Tensor.Scalar(-69.07755278982137, DType.Float64).Softplus().Item<double>(), 1e-14);
    }

    // ---- gradients ----

    [Fact]
    public void SmoothUnaryGradients()
    {
        var leaf = GradCheck.Leaf(3, 5);
        CheckGrad(x => x.Sin(), leaf);
        CheckGrad(x => x.Cos(), leaf);
        CheckGrad(x => x.Tanh(), leaf);
        CheckGrad(x => x.Sigmoid(), leaf);
        CheckGrad(x => x.Square(), leaf);
        CheckGrad(x => x.Erf(), leaf);
        CheckGrad(x => x.Erfc(), leaf);
        CheckGrad(x => x.Gelu(), leaf);
        CheckGrad(x => x.Gelu("tanh"), leaf);
        CheckGrad(x => x.Silu(), leaf);
        CheckGrad(x => x.Softplus(), leaf);
        CheckGrad(x => x.Softplus(beta: 3, threshold: 2), LeafAwayFrom(2.0 / 3));
        CheckGrad(x => x.Pow(3), leaf);
        CheckGrad(x => x.Pow(2), leaf);
        CheckGrad(x => x.Pow(-2), LeafAwayFrom(0));
    }

    [Fact]
    public void PositiveDomainGradients()
    {
        var leaf = GradCheck.PositiveLeaf(0.5, 3, 3, 5);
        CheckGrad(x => x.Sqrt(), leaf);
        CheckGrad(x => x.Rsqrt(), leaf);
        CheckGrad(x => x.Pow(0.5), leaf);
        CheckGrad(x => x.Pow(-1.5), leaf);
        CheckGrad(x => x.Pow(2.7), leaf);
        CheckGrad(x => Tensor.Pow(1.7, x), GradCheck.Leaf(3, 5));
    }

    [Fact]
    public void PiecewiseGradientsAwayFromKinks()
    {
        CheckGrad(x => x.Abs(), LeafAwayFrom(0));
        CheckGrad(x => x.Relu(), LeafAwayFrom(0));
        CheckGrad(x => x.LeakyRelu(0.1), LeafAwayFrom(0));
        CheckGrad(x => x.Clamp(-0.5, 0.5), LeafAwayFrom(-0.5, 0.5));
        CheckGrad(x => x.Clamp(min: 0.2), LeafAwayFrom(0.2));
        CheckGrad(x => x.Clamp(max: -0.2), LeafAwayFrom(-0.2));
    }

    [Fact]
    public void GradientsAtKinksFollowPyTorch()
    {
        var x = Tensor.FromArray(new[] { -1.0, 0.0, 0.5, 1.0, 2.0 }).RequiresGrad_();
        Assert.Equal(new[] { -1.0, 0, 1, 1, 1 }, GradOf(x, t => t.Abs()));
        Assert.Equal(new[] { 0.0, 0, 1, 1, 1 }, GradOf(x, t => t.Relu()));
        Assert.Equal(new[] { 0.1, 0.1, 1, 1, 1 }, GradOf(x, t => t.LeakyRelu(0.1)));
        // clamp passes the gradient at the bounds themselves
        Assert.Equal(new[] { 0.0, 1, 1, 1, 0 }, GradOf(x, t => t.Clamp(0, 1)));
        Assert.Equal(new[] { 0.0, 0, 0, 0, 0 }, GradOf(x, t => t.Sign()));
        // x^0 has gradient 0 everywhere, including at 0
        Assert.Equal(new[] { 0.0, 0, 0, 0, 0 }, GradOf(x, t => t.Pow(0)));
        Assert.Equal(new[] { -2.0, 0, 1, 2, 4 }, GradOf(x, t => t.Pow(2)));
    }

    static double[] GradOf(Tensor x, Func<Tensor, Tensor> f)
    {
        x.Grad = null;
        f(x).Sum().Backward();
        return x.Grad!.ToArray<double>();
    }

    [Fact]
    public void PowTensorGradientsWithBroadcasting()
    {
        var b = GradCheck.PositiveLeaf(0.5, 2, 3, 5);
        var e = GradCheck.Leaf(5);
        GradCheck.Check(t => t[0].Pow(t[1]), b, e);
        GradCheck.Check(t => t[0].T.Pow(t[1].Unsqueeze(1)), b, e);
        GradCheck.Check(t => t[1].Unsqueeze(1).Pow(t[0].T), GradCheck.PositiveLeaf(0.5, 2, 3, 5), GradCheck.PositiveLeaf(0.5, 2, 5));
        // only the base, only the exponent
        GradCheck.Check(t => t[0].Pow(Tensor.FromArray(new[] { 1.0, 2, 3, 0.5, -1 })), b);
        GradCheck.Check(t => Tensor.FromArray(new[] { 1.5, 2, 3, 0.5, 4 }).Pow(t[0]), e);
    }

    [Fact]
    public void PowTensorGradientAtZeroBaseFollowsPyTorch()
    {
        var x = Tensor.FromArray(new[] { 0.0, 0.0, 0.0, 2.0 }).RequiresGrad_();
        var e = Tensor.FromArray(new[] { 0.0, 2.0, 0.5, 0.0 }).RequiresGrad_();
        x.Pow(e).Sum().Backward();
        // base: 0 where the exponent is 0 (not 0 * 0^-1); exponent: 0 where the base is 0 and exponent >= 0
        Assert.Equal(new[] { 0.0, 0, double.PositiveInfinity, 0 }, x.Grad!.ToArray<double>());
        Assert.Equal(new[] { 0.0, 0, 0, Math.Log(2) }, e.Grad!.ToArray<double>());
    }

    [Fact]
    public void MaximumMinimumGradients()
    {
        var a = GradCheck.Leaf(3, 5);
        var b = GradCheck.Leaf(5);
        GradCheck.Check(t => t[0].Maximum(t[1]), a, b);
        GradCheck.Check(t => t[0].T.Minimum(t[1].Unsqueeze(1)), a, b);
        // ties share the gradient equally, as PyTorch
        var x = Tensor.FromArray(new[] { 1.0, 2.0, 3.0 }).RequiresGrad_();
        var y = Tensor.FromArray(new[] { 0.0, 2.0, 4.0 }).RequiresGrad_();
        x.Maximum(y).Sum().Backward();
        Assert.Equal(new[] { 1.0, 0.5, 0 }, x.Grad!.ToArray<double>());
        Assert.Equal(new[] { 0.0, 0.5, 1 }, y.Grad!.ToArray<double>());
        x.Grad = y.Grad = null;
        x.Minimum(y).Sum().Backward();
        Assert.Equal(new[] { 0.0, 0.5, 1 }, x.Grad!.ToArray<double>());
        Assert.Equal(new[] { 1.0, 0.5, 0 }, y.Grad!.ToArray<double>());
    }

    [Fact]
    public void GradFnNames()
    {
        var x = GradCheck.Leaf(2);
        Assert.Equal("gelu", x.Gelu().GradFn!.Name);
        Assert.Equal("leaky_relu", x.LeakyRelu().GradFn!.Name);
        Assert.Equal("clamp", x.Clamp(0, 1).GradFn!.Name);
        Assert.Null(Tensor.Ones(2).Sin().GradFn);
        using (Torch.NoGrad()) Assert.False(x.Tanh().RequiresGrad);
    }

    // ---- in place ----

    [Fact]
    public void ClampAndReluInPlace()
    {
        var x = Tensor.FromArray(new[] { -2f, -0.5f, 0.5f, 2f });
        var same = x.Clamp_(-1, 1);
        Assert.Same(x, same);
        Assert.Equal(new[] { -1f, -0.5f, 0.5f, 1f }, x.ToArray<float>());
        Assert.Equal(1, x.Version);
        x.Relu_();
        Assert.Equal(new[] { 0f, 0f, 0.5f, 1f }, x.ToArray<float>());

        // through a strided view: only the viewed elements change
        var m = Tensor.FromArray(new double[] { -3, -2, -1, 1, 2, 3 }, 2, 3);
        m.T[1].Clamp_(max: 0);
        Assert.Equal(new double[] { -3, -2, -1, 1, 0, 3 }, m.ToArray<double>());

        var i = Tensor.FromArray(new long[] { -5, 5 });
        i.Clamp_(min: -1);
        Assert.Equal(new long[] { -1, 5 }, i.ToArray<long>());
        var e = Assert.Throws<InvalidOperationException>(() => i.Clamp_(min: 0.5));
        Assert.Equal("clamp_: result type float32 can't be cast to the desired output type int64 (shape [2])", e.Message);
    }

    [Fact]
    public void InPlaceOpsRecordAutograd()
    {
        var leaf = LeafAwayFrom(-0.5, 0, 0.5);
        GradCheck.Check(t =>
        {
            var h = t[0] * 1.0;
            h.Clamp_(-0.5, 0.5);
            return h * t[0];
        }, leaf);
        GradCheck.Check(t =>
        {
            var h = t[0] * 1.0;
            h.Relu_();
            return h;
        }, leaf);
        var e = Assert.Throws<InvalidOperationException>(() => leaf.Relu_());
        Assert.Contains("relu_: a leaf tensor that requires grad", e.Message);
    }

    [Fact]
    public void SavedResultModifiedInPlaceIsCaught()
    {
        var x = GradCheck.Leaf(3);
        var y = x.Sigmoid();
        using (Torch.NoGrad()) y.Clamp_(0.2, 0.8);
        var e = Assert.Throws<InvalidOperationException>(() => y.Sum().Backward());
        Assert.Contains("sigmoid: one of the tensors needed for gradient computation has been modified by an in-place operation", e.Message);
    }

    // ---- functional forms ----

    [Fact]
    public void FunctionalFormsForwardToTheMethods()
    {
        var x = Tensor.FromArray(Values(9, -4, 4, 11));
        Assert.Equal(x.Relu().ToArray<float>(), F.Relu(x).ToArray<float>());
        Assert.Equal(x.Gelu().ToArray<float>(), F.Gelu(x).ToArray<float>());
        Assert.Equal(x.Gelu("tanh").ToArray<float>(), F.Gelu(x, approximate: "tanh").ToArray<float>());
        Assert.NotEqual(x.Gelu().ToArray<float>(), F.Gelu(x, approximate: "tanh").ToArray<float>());
        Assert.Equal(x.Silu().ToArray<float>(), F.Silu(x).ToArray<float>());
        Assert.Equal(x.Sigmoid().ToArray<float>(), F.Sigmoid(x).ToArray<float>());
        Assert.Equal(x.Tanh().ToArray<float>(), F.Tanh(x).ToArray<float>());
        Assert.Equal(x.Softplus(2, 5).ToArray<float>(), F.Softplus(x, beta: 2, threshold: 5).ToArray<float>());
        Assert.Equal(x.LeakyRelu(0.3).ToArray<float>(), F.LeakyRelu(x, 0.3).ToArray<float>());
    }

    // ---- errors ----

    [Fact]
    public void ErrorsNameTheOpAndShapes()
    {
        var x = Tensor.Ones(2, 3);
        var gelu = Assert.Throws<ArgumentException>(() => x.Gelu("fast"));
        Assert.Equal("gelu: approximate must be \"none\" or \"tanh\", got \"fast\"", gelu.Message);
        var clamp = Assert.Throws<ArgumentException>(() => x.Clamp());
        Assert.Equal("clamp: at least one of min and max must be given", clamp.Message);
        var pow = Assert.Throws<ArgumentException>(() => Tensor.Arange(3).Pow(-1));
        Assert.Equal("pow: integers to negative integer powers are not allowed (a tensor of dtype int64 and shape [3] to the power -1)", pow.Message);
        var broadcast = Assert.Throws<ArgumentException>(() => x.Pow(Tensor.Ones(4)));
        Assert.Equal("pow: shapes [2, 3] and [4] cannot be broadcast: dimension 1 is 3 in one and 4 in the other", broadcast.Message);
        var max = Assert.Throws<ArgumentException>(() => x.Maximum(Tensor.Ones(2)));
        Assert.StartsWith("maximum: shapes [2, 3] and [2] cannot be broadcast", max.Message);
        var abs = Assert.Throws<NotSupportedException>(() => Tensor.FromArray(new[] { true }).Abs());
        Assert.Equal("abs: not implemented for dtype bool", abs.Message);
    }
}
