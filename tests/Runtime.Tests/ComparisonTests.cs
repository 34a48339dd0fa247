namespace DeepGen.Tests;

public class ComparisonTests
{
    static double[] Values(int n, ulong seed)
    {
        // small integers, so equal pairs occur and every comparison sees both outcomes
        var g = new Generator(seed);
        var v = new double[n];
        for (int i = 0; i < n; i++) v[i] = g.NextInt64(-3, 4) * 0.5;
        return v;
    }

    static readonly (string Name, Func<Tensor, Tensor, Tensor> Op, Func<double, double, bool> Reference)[] Comparisons =
    [
        ("lt", (a, b) => a < b, (x, y) => x < y),
        ("le", (a, b) => a <= b, (x, y) => x <= y),
        ("gt", (a, b) => a > b, (x, y) => x > y),
        ("ge", (a, b) => a >= b, (x, y) => x >= y),
        ("eq", (a, b) => a.Eq(b), (x, y) => x == y),
        ("ne", (a, b) => a.Ne(b), (x, y) => x != y),
    ];

    [Fact]
    public void ComparisonsMatchReferenceWithBroadcasting()
    {
        foreach (var dtype in new[] { DType.Float32, DType.Float64, DType.Int64 })
            foreach (int n in new[] { 1, 7, 33 })
            {
                // [n, 1] against [3]: a transposed view broadcast to [n, 3]
                var av = Values(n, (ulong)n);
                var bv = Values(3, 99);
                var a = Tensor.FromArray(av, 1, n).To(dtype).T;
                var b = Tensor.FromArray(bv).To(dtype == DType.Int64 ? DType.Float64 : dtype);
                foreach (var (name, op, reference) in Comparisons)
                {
                    var r = op(a, b);
                    Assert.Equal(DType.Bool, r.DType);
                    Assert.Equal(new[] { n, 3 }, r.ShapeArray());
                    var got = r.ToArray<bool>();
                    double Rounded(double v) => dtype == DType.Int64 ? Math.Truncate(v) : v;
                    for (int i = 0; i < n; i++)
                        for (int j = 0; j < 3; j++)
                            Assert.True(reference(Rounded(av[i]), bv[j]) == got[i * 3 + j], $"{name} {dtype.Name()} [{i}, {j}]");
                }
            }
    }

    [Fact]
    public void ScalarOperandsOnEitherSide()
    {
        var x = Tensor.FromArray(new[] { 1f, 2f, 3f });
        Assert.Equal(new[] { true, false, false }, (x < 2).ToArray<bool>());
        Assert.Equal(new[] { true, true, false }, (x <= 2).ToArray<bool>());
        Assert.Equal(new[] { false, false, true }, (x > 2).ToArray<bool>());
        Assert.Equal(new[] { false, true, true }, (x >= 2).ToArray<bool>());
        Assert.Equal(new[] { false, false, true }, (2 < x).ToArray<bool>());
        Assert.Equal(new[] { false, true, true }, (2 <= x).ToArray<bool>());
        Assert.Equal(new[] { true, false, false }, (2 > x).ToArray<bool>());
        Assert.Equal(new[] { true, true, false }, (2 >= x).ToArray<bool>());
        Assert.Equal(new[] { false, true, false }, x.Eq(2).ToArray<bool>());
        Assert.Equal(new[] { true, false, true }, x.Ne(2).ToArray<bool>());
        Assert.Equal(new[] { true, true, false }, x.Le(2).ToArray<bool>());
        Assert.Equal(new[] { false, true, true }, x.Ge(2).ToArray<bool>());
        Assert.Equal(new[] { true, false, false }, x.Lt(2).ToArray<bool>());
        Assert.Equal(new[] { false, false, true }, x.Gt(2).ToArray<bool>());
    }

    [Fact]
    public void ComparisonsPromote()
    {
        // an int64 tensor against a fractional scalar compares as float, not truncated
        var i = Tensor.Arange(3);
        Assert.Equal(new[] { true, true, false }, (i < 1.5).ToArray<bool>());
        Assert.Equal(new[] { false, false, false }, i.Eq(1.5).ToArray<bool>());
        // float32 against float64: 0.1f != 0.1
        Assert.False(Tensor.Scalar(0.1).Eq(Tensor.Scalar(0.1, DType.Float64)).Item<bool>());
        Assert.True(Tensor.Scalar(0.5).Eq(Tensor.Scalar(0.5, DType.Float64)).Item<bool>());
        // bool against bool and against numbers
        var b = Tensor.FromArray(new[] { true, false });
        Assert.Equal(new[] { true, false }, b.Eq(Tensor.FromArray(new[] { true, true })).ToArray<bool>());
        Assert.Equal(new[] { false, true }, (b < 1).ToArray<bool>());
        Assert.Equal(new[] { true, false }, (b > Tensor.FromArray(new[] { false, false })).ToArray<bool>());
    }

    [Fact]
    public void NaNComparesUnequal()
    {
        var x = Tensor.FromArray(new[] { double.NaN, 1 });
        Assert.Equal(new[] { false, true }, x.Eq(x).ToArray<bool>());
        Assert.Equal(new[] { true, false }, x.Ne(x).ToArray<bool>());
        Assert.Equal(new[] { false, false }, (x < double.NaN).ToArray<bool>());
        Assert.Equal(new[] { false, true }, (x >= 1).ToArray<bool>());
    }

    [Fact]
    public void ComparisonsRecordNoGradient()
    {
        var x = GradCheck.Leaf(3);
        Assert.False((x < 0).RequiresGrad);
        Assert.False(x.Eq(x).RequiresGrad);
    }

    [Fact]
    public void ComparisonBroadcastErrorNamesShapes()
    {
        var e = Assert.Throws<ArgumentException>(() => Tensor.Zeros(2, 3) < Tensor.Zeros(4));
        Assert.Equal("lt: shapes [2, 3] and [4] cannot be broadcast: dimension 1 is 3 in one and 4 in the other", e.Message);
        var eq = Assert.Throws<ArgumentException>(() => Tensor.Zeros(2).Eq(Tensor.Zeros(3)));
        Assert.StartsWith("eq: shapes [2] and [3] cannot be broadcast", eq.Message);
    }

    // ---- logical and bitwise ----

    [Fact]
    public void LogicalOps()
    {
        var a = Tensor.FromArray(new[] { true, true, false, false });
        var b = Tensor.FromArray(new[] { true, false, true, false });
        Assert.Equal(new[] { false, false, true, true }, a.LogicalNot().ToArray<bool>());
        Assert.Equal(new[] { true, false, false, false }, a.LogicalAnd(b).ToArray<bool>());
        Assert.Equal(new[] { true, true, true, false }, a.LogicalOr(b).ToArray<bool>());
        Assert.Equal(new[] { false, true, true, false }, a.LogicalXor(b).ToArray<bool>());
        Assert.Equal(new[] { false, false, true, true }, (~a).ToArray<bool>());
        Assert.Equal(new[] { true, false, false, false }, (a & b).ToArray<bool>());
        Assert.Equal(new[] { true, true, true, false }, (a | b).ToArray<bool>());
        Assert.Equal(new[] { false, true, true, false }, (a ^ b).ToArray<bool>());

        // logical ops take any dtype (nonzero is true, NaN too) and broadcast
        var x = Tensor.FromArray(new[] { 0.0, 2.5, double.NaN });
        Assert.Equal(new[] { true, false, false }, x.LogicalNot().ToArray<bool>());
        var grid = x.Unsqueeze(1).LogicalAnd(Tensor.FromArray(new long[] { 0, 7 }));
        Assert.Equal(new[] { 3, 2 }, grid.ShapeArray());
        Assert.Equal(new[] { false, false, false, true, false, true }, grid.ToArray<bool>());

        // bitwise ops on int64
        var i = Tensor.FromArray(new long[] { 0b1100, -1 });
        var j = Tensor.FromArray(new long[] { 0b1010, 5 });
        Assert.Equal(new long[] { ~0b1100L, 0 }, (~i).ToArray<long>());
        Assert.Equal(new long[] { 0b1000, 5 }, (i & j).ToArray<long>());
        Assert.Equal(new long[] { 0b1110, -1 }, (i | j).ToArray<long>());
        Assert.Equal(new long[] { 0b0110, ~5L }, (i ^ j).ToArray<long>());
    }

    [Fact]
    public void BitwiseOpsRejectFloats()
    {
        var e = Assert.Throws<NotSupportedException>(() => ~Tensor.Ones(2));
        Assert.Equal("bitwise_not: not implemented for dtype float32", e.Message);
        var and = Assert.Throws<NotSupportedException>(() => Tensor.Ones(2) & Tensor.FromArray(new[] { true, false }));
        Assert.Equal("bitwise_and: not implemented for dtype float32", and.Message);
    }

    // ---- any / all ----

    [Fact]
    public void AnyAndAll()
    {
        var m = Tensor.FromArray(new[] { true, false, false, false, true, false }, 2, 3);
        Assert.True(m.Any().Item<bool>());
        Assert.False(m.All().Item<bool>());
        Assert.Equal(0, m.Any().Rank);
        Assert.Equal(DType.Bool, m.All().DType);
        Assert.Equal(new[] { true, true, false }, m.Any(0).ToArray<bool>());
        Assert.Equal(new[] { true, true }, m.Any(1).ToArray<bool>());
        Assert.Equal(new[] { false, false }, m.All(-1).ToArray<bool>());
        Assert.Equal(new[] { 1, 3 }, m.All(0, keepdim: true).ShapeArray());
        // a transposed view reduces along its own dims
        Assert.Equal(new[] { true, true, false }, m.T.Any(1).ToArray<bool>());
        Assert.Equal(new[] { true, true }, Tensor.Ones(2, 2).All(0).ToArray<bool>());
        // empty: any is false, all is true
        Assert.False(Tensor.Zeros(0).Any().Item<bool>());
        Assert.True(Tensor.Zeros(0).All().Item<bool>());
        Assert.True(Tensor.Scalar(2).All().Item<bool>());
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => m.Any(2));
        Assert.Contains("any: dimension 2 is out of range for a tensor of rank 2", e.Message);
    }

    // ---- isclose / allclose ----

    [Fact]
    public void IsCloseAndAllClose()
    {
        var a = Tensor.FromArray(new[] { 1.0, 1e-9, double.PositiveInfinity, double.NaN, 100 });
        var b = Tensor.FromArray(new[] { 1.0 + 1e-6, 0, double.PositiveInfinity, double.NaN, 100.01 });
        Assert.Equal(new[] { true, true, true, false, false }, a.IsClose(b).ToArray<bool>());
        Assert.Equal(new[] { true, true, true, true, false }, a.IsClose(b, equalNan: true).ToArray<bool>());
        Assert.Equal(new[] { true, true, true, true, true }, a.IsClose(b, rtol: 1e-3, equalNan: true).ToArray<bool>());
        Assert.False(a.AllClose(b));
        Assert.True(a.AllClose(b, rtol: 1e-3, equalNan: true));
        Assert.False(Tensor.Scalar(double.PositiveInfinity, DType.Float64).AllClose(Tensor.Scalar(double.NegativeInfinity, DType.Float64)));
        // broadcasting, float32, int64 and bool
        Assert.True(Tensor.Full([2, 3], 0.5f).AllClose(Tensor.Scalar(0.5f)));
        Assert.False(Tensor.FromArray(new[] { 1f, 2f }).AllClose(Tensor.FromArray(new[] { 1f, 2.001f })));
        Assert.True(Tensor.Arange(4).AllClose(Tensor.Arange(4)));
        Assert.False(Tensor.Arange(4).AllClose(Tensor.Arange(1, 5)));
        Assert.True(Tensor.FromArray(new[] { true }).AllClose(Tensor.FromArray(new[] { true })));
    }

    [Fact]
    public void IsCloseErrors()
    {
        var e = Assert.Throws<ArgumentException>(() => Tensor.Ones(2).AllClose(Tensor.Ones([2], DType.Float64)));
        Assert.Equal("isclose: the tensors have different dtypes, float32 (shape [2]) and float64 (shape [2]); convert one with To()", e.Message);
        var r = Assert.Throws<ArgumentException>(() => Tensor.Ones(2).IsClose(Tensor.Ones(2), rtol: -1));
        Assert.Equal("isclose: rtol must be greater than or equal to zero, but got -1", r.Message);
        var s = Assert.Throws<ArgumentException>(() => Tensor.Ones(2).IsClose(Tensor.Ones(3)));
        Assert.StartsWith("isclose: shapes [2] and [3] cannot be broadcast", s.Message);
    }

    // ---- where / masked_fill ----

    [Fact]
    public void WhereSelectsWithBroadcastingAndPromotion()
    {
        var c = Tensor.FromArray(new[] { true, false, true });
        var x = Tensor.FromArray(new long[] { 1, 2 }).Unsqueeze(1);
        var y = Tensor.Scalar(-1.5);
        var r = Tensor.Where(c, x, y);
        Assert.Equal(new[] { 2, 3 }, r.ShapeArray());
        Assert.Equal(DType.Float32, r.DType);
        Assert.Equal(new[] { 1f, -1.5f, 1f, 2f, -1.5f, 2f }, r.ToArray<float>());
        Assert.Equal(new[] { 0.0, 5, 0 }, Tensor.Where(c.LogicalNot(), Tensor.Full([3], 5, DType.Float64), 0).ToArray<double>());
        Assert.Equal(new long[] { 7, 0, 7 }, Tensor.Where(c, 7, Tensor.Zeros([3], DType.Int64)).ToArray<long>());
    }

    [Fact]
    public void WhereMatchesReferenceOnStridedInputs()
    {
        foreach (var dtype in new[] { DType.Float32, DType.Float64, DType.Int64, DType.Bool })
            foreach (int n in new[] { 1, 7, 33 })
            {
                var cv = new bool[n * 5];
                var g = new Generator((ulong)n);
                for (int i = 0; i < cv.Length; i++) cv[i] = g.NextDouble() < 0.5;
                var cond = Tensor.FromArray(cv, 5, n).T;                                // [n, 5], transposed
                var x = Tensor.Arange(0, n).To(dtype).Unsqueeze(1);                     // [n, 1]
                var y = Tensor.FromArray(new long[] { 10, 20, 30, 40, 50 }).To(dtype);  // [5]
                var got = Tensor.Where(cond, x, y).ToArray<double>();
                var xv = x.ToArray<double>();
                var yv = y.ToArray<double>();
                for (int i = 0; i < n; i++)
                    for (int j = 0; j < 5; j++)
                        Assert.Equal(cv[j * n + i] ? xv[i] : yv[j], got[i * 5 + j]);
            }
    }

    [Fact]
    public void WhereGradients()
    {
        var cond = Tensor.FromArray(new[] { true, false, false, true, true, false, true, false, true, true, false, false, true, false, true }, 3, 5);
        var x = GradCheck.Leaf(3, 5);
        var y = GradCheck.Leaf(5);
        GradCheck.Check(t => Tensor.Where(cond, t[0], t[1]), x, y);
        GradCheck.Check(t => Tensor.Where(cond.T, t[0].T, t[1].Unsqueeze(1)), x, y);
        GradCheck.Check(t => Tensor.Where(cond, t[0], 0.5), x);
        GradCheck.Check(t => Tensor.Where(cond, 2.0, t[0]), y);
        Assert.Equal("where", Tensor.Where(cond, x, y).GradFn!.Name);
    }

    [Fact]
    public void MaskedFillValuesAndGradients()
    {
        var x = Tensor.FromArray(new[] { 1f, 2f, 3f, 4f, 5f, 6f }, 2, 3);
        var mask = Tensor.FromArray(new[] { true, false, true });
        Assert.Equal(new[] { -1f, 2f, -1f, -1f, 5f, -1f }, x.MaskedFill(mask, -1).ToArray<float>());
        Assert.Equal(new[] { 1f, 2f, 3f, 4f, 5f, 6f }, x.ToArray<float>());
        // the mask may be the larger operand; the value takes the tensor's dtype
        var wide = Tensor.FromArray(new long[] { 1, 2 }).MaskedFill(Tensor.FromArray(new[] { true, false, false, true }, 2, 2), 9.7);
        Assert.Equal(DType.Int64, wide.DType);
        Assert.Equal(new long[] { 9, 2, 1, 9 }, wide.ToArray<long>());
        Assert.Equal(new float[] { float.NegativeInfinity, 2, float.NegativeInfinity, float.NegativeInfinity, 5, float.NegativeInfinity },
            x.MaskedFill(mask, double.NegativeInfinity).ToArray<float>());

        var leaf = GradCheck.Leaf(3, 5);
        var m = Tensor.FromArray(new[] { true, false, false, true, false });
        GradCheck.Check(t => t[0].MaskedFill(m, 3.0), leaf);
        GradCheck.Check(t => t[0].T.MaskedFill(m.Unsqueeze(1), 3.0), leaf);
        GradCheck.Check(t => t[0].MaskedFill(m, t[1]), leaf, GradCheck.Leaf());
        Assert.Equal("masked_fill", leaf.MaskedFill(m, 0).GradFn!.Name);
    }

    [Fact]
    public void MaskedFillInPlace()
    {
        var x = Tensor.Zeros(2, 3);
        x.T.MaskedFill_(Tensor.FromArray(new[] { true, false }), 7);
        Assert.Equal(new[] { 7f, 7f, 7f, 0f, 0f, 0f }, x.ToArray<float>());
        Assert.Equal(1, x.Version);

        var leaf = GradCheck.Leaf(3, 5);
        var m = Tensor.FromArray(new[] { true, false, false, true, false });
        GradCheck.Check(t =>
        {
            var h = t[0] * 2.0;
            h.MaskedFill_(m, 1);
            return h;
        }, leaf);

        var e = Assert.Throws<ArgumentException>(() => Tensor.Zeros(3).MaskedFill_(Tensor.FromArray(new[] { true, false, true, false, true, true }, 2, 3), 1));
        Assert.Equal("masked_fill_: a mask of shape [2, 3] cannot be broadcast to the tensor's shape [3] in place", e.Message);
    }

    [Fact]
    public void SelectionErrors()
    {
        var x = Tensor.Ones(2, 3);
        var fill = Assert.Throws<ArgumentException>(() => x.MaskedFill(Tensor.Ones(3), 0));
        Assert.Equal("masked_fill: only bool masks are supported, but got a mask of dtype float32 (mask shape [3], tensor shape [2, 3])", fill.Message);
        var fillShape = Assert.Throws<ArgumentException>(() => x.MaskedFill(Tensor.FromArray(new[] { true, false }), 0));
        Assert.Equal("masked_fill: shapes [2, 3] and [2] cannot be broadcast: dimension 1 is 3 in one and 2 in the other", fillShape.Message);
        var value = Assert.Throws<ArgumentException>(() => x.MaskedFill(Tensor.FromArray(new[] { true, false, true }), Tensor.Ones(1)));
        Assert.Equal("masked_fill: only supports a 0-dimensional value tensor, but got a value of shape [1] (tensor shape [2, 3], mask shape [3])", value.Message);

        var cond = Assert.Throws<ArgumentException>(() => Tensor.Where(Tensor.Ones(3), x, x));
        Assert.Equal("where: expected a bool condition, but got a condition of dtype float32 (shape [3])", cond.Message);
        var shapes = Assert.Throws<ArgumentException>(() => Tensor.Where(Tensor.FromArray(new[] { true, false, true }), Tensor.Ones(4, 1), Tensor.Ones(2, 3)));
        Assert.Equal("where: the condition's shape [3], x's shape [4, 1] and y's shape [2, 3] cannot be broadcast together (dimension 0 of the result would be both 4 and 2)", shapes.Message);
    }
}
