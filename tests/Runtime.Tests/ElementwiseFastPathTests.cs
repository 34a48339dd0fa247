using DeepGen.Kernels;

namespace DeepGen.Tests;

/// <summary>
/// The vectorised, broadcast and multi-threaded elementwise paths against plain scalar loops, at sizes that hit
/// vector tails (1, 7, 33, 1000) and the threaded path (100_003, and 3 x 100_003 for the broadcast cases), over
/// contiguous, transposed, stepped, offset and expanded operands. Simple ops must match bit for bit.
/// </summary>
public class ElementwiseFastPathTests
{
    static readonly int[] Sizes = [1, 7, 33, 1000, 100_003];
    static readonly DType[] Floats = [DType.Float32, DType.Float64];

    // ---- inputs ----

    /// <summary>Values in [lo, hi), with zeros of both signs, infinities, NaN and tiny values sprinkled in.</summary>
    static double[] Values(int n, ulong seed, double lo = -4, double hi = 4, bool specials = true)
    {
        var g = new Generator(seed);
        var v = new double[n];
        for (int i = 0; i < n; i++) v[i] = lo + (hi - lo) * g.NextDouble();
        if (specials)
        {
            double[] special = [0.0, -0.0, double.NaN, double.PositiveInfinity, double.NegativeInfinity, 1e-30, -1e-30, 1e5, -1e5];
            for (int k = 0; k < special.Length; k++) v[(int)((long)k * 7919 % n)] = special[k];
        }
        return v;
    }

    static double[] Integers(int n, ulong seed)
    {
        var g = new Generator(seed);
        var v = new double[n];
        for (int i = 0; i < n; i++) v[i] = g.NextInt64(-50, 50);
        return v;
    }

    /// <summary>How an operand's elements sit in its storage.</summary>
    public enum Layout { Contiguous, Transposed, Stepped, Offset, Expanded }

    /// <summary>
    /// A tensor of dtype and logical shape whose elements, in row-major order, are <paramref name="values"/>,
    /// laid out as asked. Expanded takes the first row of values and repeats it (stride 0).
    /// </summary>
    static Tensor Make(double[] values, int[] shape, DType dtype, Layout layout)
    {
        int rank = shape.Length;
        int cols = rank == 0 ? 1 : shape[^1];
        switch (layout)
        {
            case Layout.Transposed when rank >= 2:
            {
                int inner = shape[^2];
                int outer = values.Length / (inner * cols);
                var physical = new double[values.Length];
                for (int o = 0; o < outer; o++)
                    for (int i = 0; i < inner; i++)
                        for (int j = 0; j < cols; j++)
                            physical[(o * cols + j) * inner + i] = values[(o * inner + i) * cols + j];
                var swapped = (int[])shape.Clone();
                (swapped[^1], swapped[^2]) = (swapped[^2], swapped[^1]);
                return Tensor.FromArray(physical, swapped).To(dtype).Transpose(-1, -2);
            }
            case Layout.Stepped when rank >= 1:
            {
                var physical = new double[values.Length * 2];
                for (int i = 0; i < values.Length; i++)
                {
                    physical[2 * i] = 999;
                    physical[2 * i + 1] = values[i];
                }
                var doubled = (int[])shape.Clone();
                doubled[^1] *= 2;
                return Tensor.FromArray(physical, doubled).To(dtype).Slice(-1, 1, null, 2);
            }
            case Layout.Offset:
            {
                var physical = new double[values.Length + 5];
                Array.Fill(physical, 999);
                values.CopyTo(physical, 3);
                return Tensor.FromArray(physical).To(dtype).Narrow(0, 3, values.Length).View(shape);
            }
            case Layout.Expanded when rank >= 2:
            {
                var row = values.AsSpan(0, cols).ToArray();
                return Tensor.FromArray(row, cols).To(dtype).Expand(shape);
            }
            default:
                return Tensor.FromArray(values, shape).To(dtype);
        }
    }

    /// <summary>The logical values of an operand made by <see cref="Make"/> (Expanded repeats the first row).</summary>
    static double[] Logical(double[] values, int[] shape, Layout layout)
    {
        if (layout != Layout.Expanded || shape.Length < 2) return values;
        int cols = shape[^1];
        var result = new double[values.Length];
        for (int i = 0; i < result.Length; i++) result[i] = values[i % cols];
        return result;
    }

    static double Round(double v, DType dtype) => dtype switch
    {
        DType.Float32 => (float)v,
        // + 0.0 turns -0.0 into 0.0: integers have no negative zero
        DType.Int64 => Math.Truncate(v) + 0.0,
        _ => v,
    };

    /// <summary>Element <paramref name="flat"/> of the broadcast to <paramref name="outShape"/> of an operand of <paramref name="shape"/>.</summary>
    static double Broadcast(double[] values, int[] shape, int[] outShape, long flat)
    {
        long index = 0, stride = 1;
        for (int d = outShape.Length - 1; d >= 0; d--)
        {
            long coordinate = flat % outShape[d];
            flat /= outShape[d];
            int k = d - (outShape.Length - shape.Length);
            if (k < 0) continue;
            if (shape[k] != 1) index += coordinate * stride;
            stride *= shape[k];
        }
        return values[index];
    }

    // ---- comparison ----

    /// <summary>The same value bit for bit (the sign of zero counts), or both NaN.</summary>
    static bool SameBits(double expected, double actual) =>
        (double.IsNaN(expected) && double.IsNaN(actual)) || BitConverter.DoubleToInt64Bits(expected) == BitConverter.DoubleToInt64Bits(actual);

    static void AssertSameBits(double expected, double actual, string what)
    {
        if (!SameBits(expected, actual)) Assert.Fail($"{what}: expected {expected:R}, got {actual:R}");
    }

    /// <summary>Within <paramref name="ulps"/> units in the last place of the dtype (infinities and NaN exactly).</summary>
    static Func<double, double, bool> WithinUlps(DType dtype, double ulps) => (expected, actual) =>
    {
        if (double.IsNaN(expected) || double.IsInfinity(expected)) return SameBits(expected, actual);
        double epsilon = dtype == DType.Float32 ? Math.Pow(2, -23) : Math.Pow(2, -52);
        // below the normal range the spacing stays at the smallest subnormal step
        double tiny = dtype == DType.Float32 ? 1.4e-45 : 4.9e-324;
        return Math.Abs(actual - expected) <= ulps * Math.Max(epsilon * Math.Abs(expected), tiny);
    };

    /// <summary>Checks every element of result against expected(flat index); the message is built only on failure.</summary>
    static void CheckAll(Tensor result, int[] shape, DType dtype, Func<long, double> expected, Func<double, double, bool> matches, string what)
    {
        Assert.Equal(shape, result.ShapeArray());
        Assert.Equal(dtype, result.DType);
        var got = result.ToArray<double>();
        for (long i = 0; i < got.Length; i++)
        {
            double e = expected(i);
            if (!matches(e, got[i])) Assert.Fail($"{what} [{i}]: expected {e:R}, got {got[i]:R}");
        }
    }

    // ---- unary ops ----

    /// <summary>Ops whose reference is the exact double result rounded once to the dtype (so float32 matches bit for bit).</summary>
    static readonly (string Name, Func<Tensor, Tensor> Op, Func<double, double> Reference, bool Integers)[] ExactUnary =
    [
        ("neg", x => x.Neg(), v => -v, true),
        ("abs", x => x.Abs(), Math.Abs, true),
        ("relu", x => x.Relu(), v => v < 0 ? 0 : v, true),
        ("sign", x => x.Sign(), v => v > 0 ? 1 : v < 0 ? -1 : v, true),
        ("square", x => x.Square(), v => v * v, true),
        ("sqrt", x => x.Sqrt(), Math.Sqrt, false),
        ("clamp", x => x.Clamp(-1, 2), v => v < -1 ? -1 : v > 2 ? 2 : v, true),
        ("clamp min", x => x.Clamp(min: 0.5), v => v < 0.5 ? 0.5 : v, false),
    ];

    [Fact]
    public void UnaryOpsMatchScalarReferenceBitForBit()
    {
        foreach (var (name, op, reference, integers) in ExactUnary)
            foreach (var dtype in new[] { DType.Float32, DType.Float64, DType.Int64 })
            {
                if (dtype == DType.Int64 && !integers) continue;
                foreach (int n in Sizes)
                    foreach (var layout in new[] { Layout.Contiguous, Layout.Stepped, Layout.Offset })
                    {
                        var v = dtype == DType.Int64 ? Integers(n, (ulong)n) : Values(n, (ulong)n);
                        var x = Make(v, [n], dtype, layout);
                        var rounded = v.Select(e => Round(e, dtype)).ToArray();
                        CheckAll(op(x), [n], dtype, i => Round(reference(rounded[i]), dtype), SameBits, $"{name} {dtype.Name()} {layout} n={n}");
                    }
            }
    }

    [Fact]
    public void UnaryOpsOnTransposedAndExpandedInputs()
    {
        foreach (var (name, op, reference, _) in ExactUnary)
            foreach (var dtype in Floats)
                foreach (int n in new[] { 1, 7, 33, 1000 })
                    foreach (var layout in new[] { Layout.Transposed, Layout.Expanded })
                    {
                        int[] shape = [3, n];
                        var v = Values(3 * n, (ulong)n + 5);
                        var x = Make(v, shape, dtype, layout);
                        var logical = Logical(v, shape, layout).Select(e => Round(e, dtype)).ToArray();
                        CheckAll(op(x), shape, dtype, i => Round(reference(logical[i]), dtype), SameBits, $"{name} {dtype.Name()} {layout} n={n}");
                    }
    }

    [Fact]
    public void RsqrtAndLeakyReluRoundAsTheScalarForms()
    {
        foreach (var dtype in Floats)
            foreach (int n in Sizes)
            {
                var v = Values(n, (ulong)n * 3);
                var x = Make(v, [n], dtype, Layout.Contiguous);
                var r = v.Select(e => Round(e, dtype)).ToArray();
                CheckAll(x.Rsqrt(), [n], dtype,
                    i => dtype == DType.Float32 ? 1f / MathF.Sqrt((float)r[i]) : 1 / Math.Sqrt(r[i]), SameBits, $"rsqrt {dtype.Name()} n={n}");
                CheckAll(x.LeakyRelu(0.1), [n], dtype,
                    i => dtype == DType.Float32 ? ((float)r[i] > 0 ? (float)r[i] : (float)r[i] * 0.1f) : r[i] > 0 ? r[i] : r[i] * 0.1, SameBits, $"leaky_relu {dtype.Name()} n={n}");
            }
    }

    /// <summary>Transcendental ops: float32 within 2 ulps of the exact value, float64 within the stated ulps.</summary>
    static readonly (string Name, Func<Tensor, Tensor> Op, Func<double, double> Reference, double Ulps64)[] TranscendentalUnary =
    [
        ("exp", x => x.Exp(), Math.Exp, 2),
        ("sigmoid", x => x.Sigmoid(), v => v >= 0 ? 1 / (1 + Math.Exp(-v)) : Math.Exp(v) / (1 + Math.Exp(v)), 6),
        ("tanh", x => x.Tanh(), Math.Tanh, 2),
        ("silu", x => x.Silu(), v => v * (v >= 0 ? 1 / (1 + Math.Exp(-v)) : Math.Exp(v) / (1 + Math.Exp(v))), 6),
    ];

    [Fact]
    public void TranscendentalOpsAreWithinUlpsOfTheExactValue()
    {
        foreach (var (name, op, reference, ulps64) in TranscendentalUnary)
            foreach (var dtype in Floats)
                foreach (int n in Sizes)
                    foreach (var layout in new[] { Layout.Contiguous, Layout.Stepped })
                    {
                        // wide enough to overflow and underflow exp in float32
                        var v = Values(n, (ulong)n + 11, -110, 110);
                        var x = Make(v, [n], dtype, layout);
                        var r = v.Select(e => Round(e, dtype)).ToArray();
                        double ulps = dtype == DType.Float32 ? 2 : ulps64;
                        CheckAll(op(x), [n], dtype, i => reference(r[i]), (e, a) => WithinUlps(dtype, ulps)(Round(e, dtype), a), $"{name} {dtype.Name()} {layout} n={n}");
                    }
    }

    [Fact]
    public void TranscendentalSpecialValues()
    {
        double[] v = [0, -0.0, double.NaN, double.PositiveInfinity, double.NegativeInfinity, 1e-30, -1e-30, 1e-8, -1e-8, 88.7, 88.8, -103.9, -104.5, 709.7, 709.8, -745.1, -746, 20, -20, 0.01, -0.01];
        foreach (var dtype in Floats)
        {
            var x = Tensor.FromArray(v).To(dtype);
            var r = v.Select(e => Round(e, dtype)).ToArray();
            CheckAll(x.Exp(), [v.Length], dtype, i => Round(Math.Exp(r[i]), dtype), WithinUlps(dtype, 1), "exp");
            CheckAll(x.Tanh(), [v.Length], dtype, i => Round(Math.Tanh(r[i]), dtype), WithinUlps(dtype, 1), "tanh");
            CheckAll(x.Sigmoid(), [v.Length], dtype, i => Round(r[i] >= 0 ? 1 / (1 + Math.Exp(-r[i])) : Math.Exp(r[i]) / (1 + Math.Exp(r[i])), dtype),
                WithinUlps(dtype, 2), "sigmoid");
        }
        // exact zero and one where the scalar forms give them
        Assert.Equal(1f, Tensor.Zeros(9).Exp().ToArray<float>()[8]);
        Assert.Equal(0f, Tensor.Full([9], -200.0).Exp().ToArray<float>()[8]);
        Assert.Equal(float.PositiveInfinity, Tensor.Full([9], 100.0).Exp().ToArray<float>()[8]);
        Assert.Equal(-0.0f, Tensor.Full([9], -0.0).Tanh().ToArray<float>()[8]);
        Assert.True(float.IsNegative(Tensor.Full([9], -0.0).Tanh().ToArray<float>()[8]));
    }

    [Fact]
    public void GeluTanhIsWithinUlpsOfItsFloatFormula()
    {
        foreach (int n in Sizes)
        {
            var v = Values(n, (ulong)n + 17, -6, 6, specials: false);
            var x = Tensor.FromArray(v).Float();
            var r = x.ToArray<double>();
            var k = Math.Sqrt(2 / Math.PI);
            CheckAll(x.Gelu("tanh"), [n], DType.Float32, i => 0.5 * r[i] * (1 + Math.Tanh(k * (r[i] + 0.044715 * r[i] * r[i] * r[i]))),
                (e, a) => Math.Abs(a - e) <= 1e-6 * Math.Abs(e) + 1e-7, $"gelu tanh n={n}");
        }
    }

    [Fact]
    public void ErfErfcAndGeluAgreeWithTheScalarForms()
    {
        // erf and erfc: the vector forms use the scalar forms' rational approximations; only exp differs, by at
        // most an ulp; float gelu is one of FloatGelu's float-arithmetic forms, within 5 ulp (FloatErfSweepTests)
        double[] edges = [0.46875, -0.46875, 0.4687, 4, -4, 4.0001, 26.5, 26.6, -26.6, 30, double.NegativeInfinity, double.PositiveInfinity, double.NaN, 0, -0.0];
        foreach (var dtype in Floats)
            foreach (int n in Sizes)
            {
                var v = Values(n, (ulong)n + 51, -8, 8);
                for (int k = 0; k < edges.Length && k < n; k++) v[n - 1 - k] = edges[k];
                foreach (var layout in new[] { Layout.Contiguous, Layout.Stepped })
                {
                    var x = Make(v, [n], dtype, layout);
                    var r = v.Select(e => Round(e, dtype)).ToArray();
                    var ulps = WithinUlps(dtype, dtype == DType.Float32 ? 1 : 4);
                    CheckAll(x.Erf(), [n], dtype, i => Round(ErfMath.Erf(r[i]), dtype), ulps, $"erf {dtype.Name()} {layout} n={n}");
                    CheckAll(x.Erfc(), [n], dtype, i => Round(ErfMath.Erfc(r[i]), dtype), ulps, $"erfc {dtype.Name()} {layout} n={n}");
                    CheckAll(x.Gelu(), [n], dtype, i => Round(0.5 * r[i] * ErfMath.Erfc(-r[i] * Math.Sqrt(0.5)), dtype),
                        dtype == DType.Float32 ? WithinUlps(dtype, 5) : ulps, $"gelu {dtype.Name()} {layout} n={n}");
                }

                var leaf = Make(v, [n], dtype, Layout.Contiguous).RequiresGrad_();
                var g = Make(Values(n, (ulong)n + 53, specials: false), [n], dtype, Layout.Contiguous);
                leaf.Gelu().Backward(g);
                var xs = leaf.Detach().ToArray<double>();
                var gs = g.ToArray<double>();
                var grad = leaf.Grad!.ToArray<double>();
                double epsilon = dtype == DType.Float32 ? Math.Pow(2, -23) : Math.Pow(2, -52);
                for (int i = 0; i < n; i++)
                {
                    double cdf = 0.5 * ErfMath.Erfc(-xs[i] * Math.Sqrt(0.5));
                    double slope = xs[i] * Math.Exp(-0.5 * xs[i] * xs[i]) / Math.Sqrt(2 * Math.PI);
                    double expected = Round(gs[i] * Round(cdf + slope, dtype), dtype);
                    if (double.IsNaN(expected) && double.IsNaN(grad[i])) continue;
                    // cdf + slope cancels near x = -0.75, so the error scales with the terms, not their sum
                    double tolerance = 4 * epsilon * Math.Abs(gs[i]) * (Math.Abs(cdf) + Math.Abs(slope)) + 2 * epsilon * Math.Abs(expected)
                        + (dtype == DType.Float32 ? float.Epsilon : 0); // a subnormal result has no more bits
                    if (!(Math.Abs(grad[i] - expected) <= tolerance))
                        Assert.Fail($"gelu backward {dtype.Name()} n={n} [{i}] x = {xs[i]:R}: expected {expected:R}, got {grad[i]:R}");
                }
            }
    }

    // ---- binary ops ----

    /// <summary>Operand shapes and layouts that exercise each inner-row pattern: both contiguous, one broadcast, strided.</summary>
    static IEnumerable<(int[] A, Layout LayoutA, int[] B, Layout LayoutB)> BinaryCases(int n)
    {
        yield return ([n], Layout.Contiguous, [n], Layout.Contiguous);
        yield return ([n], Layout.Contiguous, [], Layout.Contiguous);
        yield return ([3, n], Layout.Contiguous, [n], Layout.Contiguous);
        yield return ([n, 3], Layout.Transposed, [n, 3], Layout.Contiguous);
        // the threaded size runs the cases above; the rest are layouts already covered per row
        if (n > 1000) yield break;
        yield return ([n], Layout.Offset, [n], Layout.Stepped);
        yield return ([], Layout.Contiguous, [n], Layout.Contiguous);
        yield return ([n, 3], Layout.Contiguous, [n, 1], Layout.Contiguous);
        yield return ([n, 1], Layout.Contiguous, [3], Layout.Contiguous);
        yield return ([2, 3, n], Layout.Contiguous, [1, 3, 1], Layout.Contiguous);
        yield return ([3, n], Layout.Expanded, [3, n], Layout.Transposed);
    }

    static readonly (string Name, Func<Tensor, Tensor, Tensor> Op, Func<double, double, double> Reference, bool Integers)[] ExactBinary =
    [
        ("add", (a, b) => a + b, (x, y) => x + y, true),
        ("sub", (a, b) => a - b, (x, y) => x - y, true),
        ("mul", (a, b) => a * b, (x, y) => x * y, true),
        ("div", (a, b) => a / b, (x, y) => x / y, false),
        ("maximum", (a, b) => a.Maximum(b), (x, y) => double.IsNaN(x) || double.IsNaN(y) ? double.NaN : x > y ? x : y, true),
        ("minimum", (a, b) => a.Minimum(b), (x, y) => double.IsNaN(x) || double.IsNaN(y) ? double.NaN : x < y ? x : y, true),
    ];

    [Fact]
    public void BinaryOpsMatchScalarReferenceBitForBit()
    {
        foreach (var (name, op, reference, integers) in ExactBinary)
            foreach (var dtype in new[] { DType.Float32, DType.Float64, DType.Int64 })
            {
                if (dtype == DType.Int64 && !integers) continue;
                foreach (int n in Sizes)
                    foreach (var (shapeA, layoutA, shapeB, layoutB) in BinaryCases(n))
                    {
                        var (a, va) = Operand(shapeA, layoutA, dtype, 1);
                        var (b, vb) = Operand(shapeB, layoutB, dtype, 2);
                        var shape = Shapes.Broadcast(shapeA, shapeB, "test");
                        CheckAll(op(a, b), shape, dtype,
                            i => Round(reference(Broadcast(va, shapeA, shape, i), Broadcast(vb, shapeB, shape, i)), dtype),
                            SameBits, $"{name} {dtype.Name()} {Shapes.Format(shapeA)} {layoutA} with {Shapes.Format(shapeB)} {layoutB}");
                    }
            }
    }

    /// <summary>An operand and its logical values (rounded to the dtype).</summary>
    static (Tensor, double[]) Operand(int[] shape, Layout layout, DType dtype, ulong seed)
    {
        int numel = Shapes.Numel(shape);
        var v = dtype == DType.Int64 ? Integers(numel, seed * 1000 + (ulong)numel) : Values(numel, seed * 1000 + (ulong)numel);
        var t = Make(v, shape, dtype, layout);
        return (t, Logical(v, shape, layout).Select(e => Round(e, dtype)).ToArray());
    }

    static readonly (string Name, Func<Tensor, Tensor, Tensor> Op, Func<double, double, bool> Reference)[] Comparisons =
    [
        ("lt", (a, b) => a.Lt(b), (x, y) => x < y),
        ("le", (a, b) => a.Le(b), (x, y) => x <= y),
        ("gt", (a, b) => a.Gt(b), (x, y) => x > y),
        ("ge", (a, b) => a.Ge(b), (x, y) => x >= y),
        ("eq", (a, b) => a.Eq(b), (x, y) => x == y),
        ("ne", (a, b) => a.Ne(b), (x, y) => x != y),
    ];

    [Fact]
    public void ComparisonsMatchScalarReference()
    {
        foreach (var (name, op, reference) in Comparisons)
            foreach (var dtype in new[] { DType.Float32, DType.Float64, DType.Int64 })
                foreach (int n in Sizes)
                    foreach (var (shapeA, layoutA, shapeB, layoutB) in BinaryCases(n))
                    {
                        var (a, va) = Operand(shapeA, layoutA, dtype, 3);
                        var (b, vb) = Operand(shapeB, layoutB, dtype, 3);
                        var shape = Shapes.Broadcast(shapeA, shapeB, "test");
                        var result = op(a, b);
                        Assert.Equal(DType.Bool, result.DType);
                        Assert.Equal(shape, result.ShapeArray());
                        var got = result.ToArray<bool>();
                        for (int i = 0; i < got.Length; i++)
                            Assert.True(reference(Broadcast(va, shapeA, shape, i), Broadcast(vb, shapeB, shape, i)) == got[i],
                                $"{name} {dtype.Name()} {Shapes.Format(shapeA)} {layoutA} with {Shapes.Format(shapeB)} {layoutB} [{i}]");
                    }
    }

    [Fact]
    public void ComparisonsAgainstScalarsGiveTrueOnlyWhereTheyHold()
    {
        // many equal values, so the masks have long runs of both kinds
        var x = Tensor.FromArray(Enumerable.Range(0, 1000).Select(i => (double)(i % 5)).ToArray()).Float();
        var ge = x.Ge(2).ToArray<bool>();
        for (int i = 0; i < ge.Length; i++) Assert.Equal(i % 5 >= 2, ge[i]);
        var eq = x.Eq(3).ToArray<bool>();
        for (int i = 0; i < eq.Length; i++) Assert.Equal(i % 5 == 3, eq[i]);
    }

    [Fact]
    public void TransposedOperandsOfManyTilesMatchScalarReference()
    {
        // shapes with several full and partial 32 x 32 tiles, outer dims, and (300 x 400) the threaded path
        foreach (var shape in new[] { new[] { 70, 100 }, new[] { 2, 45, 33 }, new[] { 300, 400 } })
            foreach (var dtype in Floats)
            {
                var (a, va) = Operand(shape, Layout.Transposed, dtype, 8);
                var (b, vb) = Operand(shape, Layout.Contiguous, dtype, 9);
                CheckAll(a.Contiguous(), shape, dtype, i => va[i], SameBits, $"contiguous {Shapes.Format(shape)} {dtype.Name()}");
                CheckAll(a.Neg(), shape, dtype, i => -va[i], SameBits, $"neg {Shapes.Format(shape)} {dtype.Name()}");
                CheckAll(b - a, shape, dtype, i => Round(vb[i] - va[i], dtype), SameBits, $"sub {Shapes.Format(shape)} {dtype.Name()}");
                var converted = dtype == DType.Float32 ? a.Double() : a.Float();
                CheckAll(converted, shape, converted.DType, i => (float)va[i], SameBits, $"cast {Shapes.Format(shape)} {dtype.Name()}");
                // in place into the transposed view
                a.Add_(b);
                CheckAll(a, shape, dtype, i => Round(va[i] + vb[i], dtype), SameBits, $"add_ {Shapes.Format(shape)} {dtype.Name()}");
            }
    }

    // ---- select ----

    static (Tensor, bool[]) Condition(int[] shape, Layout layout, ulong seed)
    {
        var (t, v) = Operand(shape, layout, DType.Float64, seed);
        return (t.Gt(0.5), v.Select(e => e > 0.5).ToArray());
    }

    [Fact]
    public void WhereAndMaskedFillMatchScalarReference()
    {
        foreach (var dtype in new[] { DType.Float32, DType.Float64, DType.Int64, DType.Bool })
            foreach (int n in Sizes)
                foreach (var (cShape, cLayout, xShape, xLayout, yShape) in new (int[], Layout, int[], Layout, int[])[]
                {
                    ([3, n], Layout.Contiguous, [3, n], Layout.Contiguous, [3, n]),
                    ([3, n], Layout.Contiguous, [], Layout.Contiguous, [3, n]),
                    ([3, n], Layout.Contiguous, [3, n], Layout.Contiguous, []),
                    ([n], Layout.Contiguous, [3, n], Layout.Transposed, [3, 1]),
                    ([3, n], Layout.Transposed, [3, n], Layout.Stepped, [n]),
                })
                {
                    var (c, vc) = Condition(cShape, cLayout, 10);
                    var (x, vx) = Operand(xShape, xLayout, dtype == DType.Bool ? DType.Float64 : dtype, 11);
                    var (y, vy) = Operand(yShape, Layout.Contiguous, dtype == DType.Bool ? DType.Float64 : dtype, 12);
                    if (dtype == DType.Bool)
                    {
                        (x, y) = (x.Bool(), y.Bool());
                        (vx, vy) = (vx.Select(e => e != 0 ? 1.0 : 0).ToArray(), vy.Select(e => e != 0 ? 1.0 : 0).ToArray());
                    }
                    int[] shape = [3, n];
                    string what = $"where {dtype.Name()} c {Shapes.Format(cShape)} {cLayout}, x {Shapes.Format(xShape)} {xLayout}, y {Shapes.Format(yShape)}";
                    var conditions = vc.Select(b => b ? 1.0 : 0).ToArray();
                    CheckAll(Tensor.Where(c, x, y), shape, dtype,
                        i => Broadcast(conditions, cShape, shape, i) != 0 ? Broadcast(vx, xShape, shape, i) : Broadcast(vy, yShape, shape, i), SameBits, what);
                }
    }

    [Fact]
    public void MaskedFillMatchesScalarReference()
    {
        foreach (var dtype in new[] { DType.Float32, DType.Float64, DType.Int64 })
            foreach (int n in Sizes)
                foreach (var (targetLayout, maskShape) in new (Layout, int[])[] { (Layout.Contiguous, [3, n]), (Layout.Contiguous, [n]), (Layout.Transposed, [3, n]), (Layout.Stepped, [3, 1]) })
                {
                    int[] shape = [3, n];
                    var (m, vm) = Condition(maskShape, Layout.Contiguous, 13);
                    var masks = vm.Select(b => b ? 1.0 : 0).ToArray();
                    var (t, vt) = Operand(shape, targetLayout, dtype, 14);
                    string what = $"masked_fill {dtype.Name()} {targetLayout} mask {Shapes.Format(maskShape)} n={n}";
                    CheckAll(t.MaskedFill(m, -7), shape, dtype, i => Broadcast(masks, maskShape, shape, i) != 0 ? -7 : vt[i], SameBits, what);
                    t.MaskedFill_(m, 9);
                    CheckAll(t, shape, dtype, i => Broadcast(masks, maskShape, shape, i) != 0 ? 9 : vt[i], SameBits, what + " in place");
                }
    }

    // ---- in-place ops ----

    [Fact]
    public void InPlaceOpsMatchScalarReference()
    {
        (string Name, Func<Tensor, Tensor, Tensor> Op, Func<double, double, double> Reference)[] ops =
        [
            ("add_", (t, o) => t.Add_(o), (x, y) => x + y),
            ("sub_", (t, o) => t.Sub_(o), (x, y) => x - y),
            ("mul_", (t, o) => t.Mul_(o), (x, y) => x * y),
            ("div_", (t, o) => t.Div_(o), (x, y) => x / y),
        ];
        foreach (var (name, op, reference) in ops)
            foreach (var dtype in Floats)
                foreach (int n in Sizes)
                    foreach (var (targetLayout, otherShape, otherLayout) in new (Layout, int[], Layout)[]
                    {
                        (Layout.Contiguous, [3, n], Layout.Contiguous),
                        (Layout.Contiguous, [n], Layout.Contiguous),
                        (Layout.Contiguous, [], Layout.Contiguous),
                        (Layout.Transposed, [3, n], Layout.Contiguous),
                        (Layout.Stepped, [3, 1], Layout.Contiguous),
                        (Layout.Contiguous, [3, n], Layout.Expanded),
                    })
                    {
                        int[] shape = [3, n];
                        var (target, vt) = Operand(shape, targetLayout, dtype, 4);
                        var (other, vo) = Operand(otherShape, otherLayout, dtype, 5);
                        var returned = op(target, other);
                        Assert.Same(target, returned);
                        CheckAll(target, shape, dtype, i => Round(reference(vt[i], Broadcast(vo, otherShape, shape, i)), dtype),
                            SameBits, $"{name} {dtype.Name()} target {targetLayout}, other {Shapes.Format(otherShape)} {otherLayout}");
                    }
    }

    [Fact]
    public void InPlaceUnaryOpsMatchScalarReference()
    {
        foreach (var dtype in Floats)
            foreach (int n in Sizes)
                foreach (var layout in new[] { Layout.Contiguous, Layout.Transposed, Layout.Stepped })
                {
                    int[] shape = [3, n];
                    var (t, v) = Operand(shape, layout, dtype, 6);
                    t.Relu_();
                    CheckAll(t, shape, dtype, i => v[i] < 0 ? 0 : v[i], SameBits, $"relu_ {dtype.Name()} {layout} n={n}");
                    var (c, w) = Operand(shape, layout, dtype, 7);
                    c.Clamp_(-1, 1);
                    CheckAll(c, shape, dtype, i => w[i] < -1 ? -1 : w[i] > 1 ? 1 : w[i], SameBits, $"clamp_ {dtype.Name()} {layout} n={n}");
                }
    }

    [Fact]
    public void InPlaceOpsReadTheOldValuesOfAnOverlappingOperand()
    {
        foreach (int n in Sizes)
        {
            var v = Values(n + 1, (ulong)n, specials: false);
            var x = Tensor.FromArray(v).Float();
            var old = x.ToArray<double>();
            // x[1:] += x[:-1]: each element reads its neighbour's value from before the op, as with a copy
            x.Narrow(0, 1, n).Add_(x.Narrow(0, 0, n));
            var got = x.ToArray<double>();
            Assert.Equal(old[0], got[0]);
            for (int i = 1; i <= n; i++) AssertSameBits((float)(old[i] + old[i - 1]), got[i], $"n={n} [{i}]");

            var y = Tensor.FromArray(v).Float();
            y.Add_(y);
            var doubled = y.ToArray<double>();
            for (int i = 0; i <= n; i++) AssertSameBits((float)(2 * old[i]), doubled[i], $"self n={n} [{i}]");
        }
        // copying a transposed square matrix into itself transposes it
        var m = Tensor.FromArray(Enumerable.Range(0, 49).Select(i => (double)i).ToArray(), 7, 7);
        m.Copy_(m.T);
        var mt = m.ToArray<double>();
        for (int i = 0; i < 7; i++)
            for (int j = 0; j < 7; j++) Assert.Equal(j * 7 + i, mt[i * 7 + j]);
    }

    // ---- copies and casts ----

    [Fact]
    public void CopiesAndCastsMatchScalarConversions()
    {
        foreach (int n in Sizes)
            foreach (var layout in new[] { Layout.Contiguous, Layout.Transposed, Layout.Stepped, Layout.Expanded })
            {
                int[] shape = [3, n];
                var v = Values(3 * n, (ulong)n + 21, -1e6, 1e6);
                var logical = Logical(v, shape, layout);
                var f64 = Make(v, shape, DType.Float64, layout);
                CheckAll(f64.Float(), shape, DType.Float32, i => (float)logical[i], SameBits, $"to float32 {layout} n={n}");
                CheckAll(f64.Clone(), shape, DType.Float64, i => logical[i], SameBits, $"clone {layout} n={n}");
                CheckAll(f64.Long(), shape, DType.Int64, i => (long)logical[i],
                    SameBits, $"to int64 {layout} n={n}");
                var f32 = Make(v, shape, DType.Float32, layout);
                CheckAll(f32.Double(), shape, DType.Float64, i => (float)logical[i], SameBits, $"to float64 {layout} n={n}");
                CheckAll(f32.Contiguous(), shape, DType.Float32, i => (float)logical[i], SameBits, $"contiguous {layout} n={n}");
                var flags = f32.Bool().ToArray<bool>();
                for (int i = 0; i < flags.Length; i++) Assert.Equal((float)logical[i] != 0, flags[i]);
            }
    }

    [Fact]
    public void CopyBroadcastsAndConvertsIntoAView()
    {
        foreach (int n in Sizes)
        {
            var target = Tensor.Zeros([4, 2 * n], DType.Float32);
            var view = target.Slice(1, 0, null, 2);
            var v = Values(n, (ulong)n + 31);
            view.Copy_(Tensor.FromArray(v));
            var got = target.ToArray<double>();
            for (int r = 0; r < 4; r++)
                for (int j = 0; j < n; j++)
                {
                    AssertSameBits((float)v[j], got[r * 2 * n + 2 * j], $"n={n} [{r}, {2 * j}]");
                    Assert.Equal(0.0, got[r * 2 * n + 2 * j + 1]);
                }
            var full = Tensor.Full([3, n], 2.5, DType.Float64);
            Assert.All(full.ToArray<double>(), e => Assert.Equal(2.5, e));
            Assert.All(Tensor.OnesLike(full).ToArray<double>(), e => Assert.Equal(1.0, e));
            target.Fill_(-3);
            Assert.All(target.ToArray<float>(), e => Assert.Equal(-3f, e));
        }
    }

    // ---- fused backward kernels ----

    [Fact]
    public void FusedBackwardKernelsMatchTheirScalarFormulas()
    {
        (string Name, Func<Tensor, Tensor> Op, Func<float, float, float> Grad)[] ops =
        [
            // each gradient in terms of the output gradient g and the forward result y, in float32 arithmetic
            ("relu", x => x.Relu(), (g, y) => y > 0 ? g : 0),
            ("sigmoid", x => x.Sigmoid(), (g, y) => g * y * (1 - y)),
            ("tanh", x => x.Tanh(), (g, y) => g * (1 - y * y)),
            ("sqrt", x => x.Abs().Sqrt(), (g, y) => g / (y + y)),
        ];
        foreach (var (name, op, grad) in ops)
            foreach (int n in Sizes)
            {
                var x = Tensor.FromArray(Values(n, (ulong)n + 41, specials: false)).Float().RequiresGrad_();
                var g = Tensor.FromArray(Values(n, (ulong)n + 43, specials: false)).Float();
                var y = op(x);
                y.Backward(g);
                var ys = y.Detach().ToArray<float>();
                var gs = g.ToArray<float>();
                var xg = x.Grad!.ToArray<float>();
                if (name == "sqrt")
                {
                    // the abs in front multiplies by sign(x)
                    var xs = x.Detach().ToArray<float>();
                    for (int i = 0; i < n; i++) AssertSameBits(grad(gs[i], ys[i]) * Math.Sign(xs[i]), xg[i], $"{name} n={n} [{i}]");
                    continue;
                }
                for (int i = 0; i < n; i++) AssertSameBits(grad(gs[i], ys[i]), xg[i], $"{name} n={n} [{i}]");
            }
    }

    // ---- layout merging ----

    [Fact]
    public void ElementLayoutMergesDimsThatStepAsOne()
    {
        int[] shape = [64, 32, 28, 28];
        var contiguous = Shapes.ContiguousStrides(shape);
        var single = ElementLayout.Create(shape, [contiguous, contiguous], [0, 0]);
        Assert.Equal([64 * 32 * 28 * 28], single.Shape);

        // [N, C, H, W] against [1, C, 1, 1]: rows of H*W with the second operand broadcast along them
        var bias = ElementLayout.Create(shape, [contiguous, [0, 1, 0, 0]], [0, 0]);
        Assert.Equal([64, 32, 28 * 28], bias.Shape);
        Assert.Equal([0, 1, 0], bias.Strides[1]);

        // a transposed operand keeps its own inner stride
        var transposed = ElementLayout.Create([5, 7], [[7, 1], [1, 5]], [0, 3]);
        Assert.Equal([5, 7], transposed.Shape);
        Assert.Equal([1, 5], transposed.Strides[1]);
        Assert.Equal([0, 3], transposed.Offsets);

        // size-1 dims vanish, a 0-d loop still has one element
        var scalar = ElementLayout.Create([1, 1], [[1, 1], [0, 0]], [4, 2]);
        Assert.Equal([1], scalar.Shape);
        Assert.Equal(1, scalar.Count);
        Assert.Equal(0, ElementLayout.Create([3, 0], [[0, 1], [0, 1]], [0, 0]).Count);
    }
}
