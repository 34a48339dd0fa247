using DeepGen.Fusion.Ir;
using DeepGen.Fusion.Ops;
using DeepGen.Fusion.Tests.Reference;
using Xunit;

namespace DeepGen.Fusion.Tests.Ir;

/// <summary>Every derivative rule of the op table against finite differences (float64), through build-time autodiff.</summary>
public class DerivativeRuleTests
{
    private const ScalarType F64 = ScalarType.Float64;

    private static readonly string[] UnaryNames = ["neg", "relu", "gelu", "silu", "tanh", "sigmoid", "exp", "log", "sqrt", "rsqrt", "abs"];

    private static readonly string[] BinaryNames = ["add", "sub", "mul", "div", "pow", "maximum", "minimum"];

    public static TheoryData<string> UnaryOps => new(UnaryNames);

    public static TheoryData<string> BinaryOps => new(BinaryNames);

    [Theory]
    [MemberData(nameof(UnaryOps))]
    public void Unary(string op)
    {
        bool positive = op is "log" or "sqrt" or "rsqrt";
        Check(g => g.Op(op, [In(g, "x", 3, 4)]), positive ? 0.5 : -2, 2, ("x", [3, 4]));
    }

    [Fact]
    public void Gelu_tanh_approximation()
    {
        Check(g => g.Op("gelu", [In(g, "x", 5)], Attrs.Empty.With("approximate", "tanh")), -2, 2, ("x", [5]));
    }

    [Theory]
    [MemberData(nameof(BinaryOps))]
    public void Binary_with_broadcasting(string op)
    {
        bool positive = op == "pow";
        Check(g => g.Op(op, [In(g, "a", 2, 3), In(g, "b", 3)]), positive ? 0.5 : -2, 2, ("a", [2, 3]), ("b", [3]));
        Check(g => g.Op(op, [In(g, "a", 4, 1), In(g, "b", 1, 3)]), positive ? 0.5 : -2, 2, ("a", [4, 1]), ("b", [1, 3]));
    }

    [Fact]
    public void Scalar_constants_and_where()
    {
        Check(g =>
        {
            Value x = In(g, "x", 3, 4);
            Value y = In(g, "y", 4);
            Value scaled = g.Op("add", [g.Op("mul", [x, g.Constant(2.5, F64)]), g.Constant(1, F64)]);
            return g.Op("where", [g.Op("gt", [x, g.Constant(0, F64)]), scaled, y]);
        }, -1, 1, ("x", [3, 4]), ("y", [4]));
    }

    [Theory]
    [InlineData("sum", new long[] { 1 }, false)]
    [InlineData("sum", new long[] { 0, 2 }, true)]
    [InlineData("sum", new long[0], false)]
    [InlineData("mean", new long[] { -1 }, false)]
    [InlineData("mean", new long[] { 0 }, true)]
    [InlineData("amax", new long[] { 1 }, false)]
    public void Reductions(string op, long[] dims, bool keepdim)
    {
        Check(g => g.Op(op, [In(g, "x", 2, 3, 4)], Attrs.Empty.With("dims", dims).With("keepdim", keepdim)), -1, 1, ("x", [2, 3, 4]));
    }

    [Fact]
    public void Views()
    {
        Check(g =>
        {
            Value x = In(g, "x", 2, 3, 4);
            Value r = g.Op("reshape", [x], Attrs.Empty.With("dims", new[] { Dim.Constant(4), Dim.Unknown }.ToEquatableArray()).With("infer", 1L));
            Value t = g.Op("transpose", [r], Attrs.Empty.With("dim0", 0L).With("dim1", 1L));
            Value u = g.Op("unsqueeze", [t], Attrs.Empty.With("dim", 1L));
            Value p = g.Op("permute", [u], Attrs.Empty.With("dims", new long[] { 2, 0, 1 }));
            Value s = g.Op("squeeze", [p], Attrs.Empty.With("dim", 2L));
            Value f = g.Op("flatten", [s], Attrs.Empty.With("start", 0L).With("end", -1L));
            return g.Op("mul", [f, f]);
        }, -1, 1, ("x", [2, 3, 4]));
    }

    [Fact]
    public void Batched_matmul_with_broadcast_batch()
    {
        Check(g => g.Op("matmul", [In(g, "a", 2, 3, 4), In(g, "b", 4, 5)]), -1, 1, ("a", [2, 3, 4]), ("b", [4, 5]));
        Check(g => g.Op("matmul", [In(g, "a", 3, 4), In(g, "b", 2, 4, 5)]), -1, 1, ("a", [3, 4]), ("b", [2, 4, 5]));
    }

    [Fact]
    public void Linear_on_rank_1_2_and_3_inputs()
    {
        Check(g => g.Op("linear", [In(g, "x", 2, 3, 4), In(g, "w", 5, 4), In(g, "b", 5)]), -1, 1, ("x", [2, 3, 4]), ("w", [5, 4]), ("b", [5]));
        Check(g => g.Op("linear", [In(g, "x", 3, 4), In(g, "w", 5, 4)]), -1, 1, ("x", [3, 4]), ("w", [5, 4]));
        Check(g => g.Op("linear", [In(g, "x", 4), In(g, "w", 5, 4), In(g, "b", 5)]), -1, 1, ("x", [4]), ("w", [5, 4]), ("b", [5]));
    }

    [Theory]
    [InlineData("softmax", 1)]
    [InlineData("softmax", 0)]
    [InlineData("log_softmax", -1)]
    public void Softmax_family(string op, long dim)
    {
        Check(g => g.Op(op, [In(g, "x", 3, 5)], Attrs.Empty.With("dim", dim)), -2, 2, ("x", [3, 5]));
    }

    [Theory]
    [InlineData(1, 1, 1, 1, true)]
    [InlineData(2, 1, 1, 1, false)]
    [InlineData(1, 0, 2, 2, true)]
    public void Conv2d(long stride, long padding, long dilation, long groups, bool bias)
    {
        Attrs attrs = Attrs.Empty.With("stride", new[] { stride, stride }).With("padding", new[] { padding, padding })
            .With("dilation", new[] { dilation, dilation }).With("groups", groups);
        int cin = 4, cout = 2 * (int)groups;
        var sources = new List<(string, int[])> { ("x", [2, cin, 6, 5]), ("w", [cout, cin / (int)groups, 3, 3]) };
        if (bias)
        {
            sources.Add(("b", [cout]));
        }

        Check(g =>
        {
            List<Value> inputs = [In(g, "x", 2, cin, 6, 5), In(g, "w", cout, cin / (int)groups, 3, 3)];
            if (bias)
            {
                inputs.Add(In(g, "b", cout));
            }

            return g.Op("conv2d", inputs, attrs);
        }, -1, 1, [.. sources]);
    }

    [Theory]
    [InlineData("max_pool2d", 2, 2, 0, false, true)]
    [InlineData("max_pool2d", 3, 2, 1, true, true)]
    [InlineData("avg_pool2d", 2, 2, 0, false, true)]
    [InlineData("avg_pool2d", 3, 2, 1, true, false)]
    [InlineData("avg_pool2d", 3, 2, 1, false, true)]
    public void Pooling(string op, long kernel, long stride, long padding, bool ceil, bool countPad)
    {
        Attrs attrs = Attrs.Empty.With("kernel", new[] { kernel, kernel }).With("stride", new[] { stride, stride })
            .With("padding", new[] { padding, padding }).With("ceil_mode", ceil).With("count_include_pad", countPad);
        Check(g => g.Op(op, [In(g, "x", 2, 3, 7, 6)], attrs), -1, 1, ("x", [2, 3, 7, 6]));
    }

    [Theory]
    [InlineData(true, 4)]
    [InlineData(false, 4)]
    [InlineData(true, 2)]
    public void Batch_norm_with_batch_statistics(bool affine, int rank)
    {
        int[] shape = rank == 4 ? [3, 2, 3, 2] : [5, 2];
        Attrs attrs = Attrs.Empty.With("affine", affine).With("track_running_stats", false).With("eps", 1e-5);
        var sources = new List<(string, int[])> { ("x", shape) };
        if (affine)
        {
            sources.Add(("w", [2]));
            sources.Add(("b", [2]));
        }

        Check(g => g.Op("batch_norm", affine ? [In(g, "x", shape), In(g, "w", 2), In(g, "b", 2)] : [In(g, "x", shape)], attrs), -1, 1, [.. sources]);
    }

    [Theory]
    [InlineData(3)]
    [InlineData(2)]
    [InlineData(1)]
    public void Layer_norm(int inputs)
    {
        Attrs attrs = Attrs.Empty.With("normalized_shape", new long[] { 4 }).With("eps", 1e-5);
        (string, int[])[] sources = new (string, int[])[] { ("x", [2, 3, 4]), ("w", [4]), ("b", [4]) }.Take(inputs).ToArray();
        Check(g => g.Op("layer_norm", sources.Select(s => In(g, s.Item1, s.Item2)).ToList(), attrs), -1, 1, sources);
    }

    [Fact]
    public void Dropout_scales_the_gradient_by_its_mask()
    {
        Check(g => g.Op("dropout", [In(g, "x", 4, 5)], Attrs.Empty.With("p", 0.3)), -1, 1, ("x", [4, 5]));
    }

    [Fact]
    public void Embedding_gradient_accumulates_repeated_rows()
    {
        var g = new GraphBuilder("t.Forward");
        Value indices = g.Input("idx", TensorType.Of(ScalarType.Int64, 2, 3));
        Value weight = g.Input("w", TensorType.Of(F64, 5, 4));
        g.Output(g.Op("embedding", [indices, weight], Attrs.Empty.With("padding_idx", 1L)));
        var random = new Random(3);
        GradCheck.Check(g.Build(), new Dictionary<string, RefTensor>
        {
            // Row 1 is the padding row: PyTorch gives it no gradient although the forward reads it, so finite
            // differences would disagree there by design; it is not indexed here.
            ["idx"] = new([2, 3], [0, 3, 4, 4, 2, 0]),
            ["w"] = RefTensor.Random(random, [5, 4]),
        });
    }

    [Theory]
    [InlineData(false, 0)]
    [InlineData(true, 0)]
    [InlineData(true, 0.3)]
    public void Scaled_dot_product_attention(bool causal, double scale)
    {
        Attrs attrs = Attrs.Empty.With("is_causal", causal);
        if (scale != 0)
        {
            attrs = attrs.With("scale", scale);
        }

        Check(g => g.Op("scaled_dot_product_attention", [In(g, "q", 2, 3, 4), In(g, "k", 2, 5, 4), In(g, "v", 2, 5, 3)], attrs),
            -1, 1, ("q", [2, 3, 4]), ("k", [2, 5, 4]), ("v", [2, 5, 3]));
    }

    [Fact]
    public void Attention_block_with_causal_mask_and_residual()
    {
        // x + softmax(q k^T / sqrt(d) masked) v, then layer norm and a GELU MLP with a residual.
        Check(g =>
        {
            Value x = In(g, "x", 2, 3, 4);
            Value q = g.Op("linear", [x, In(g, "wq", 4, 4)]);
            Value k = g.Op("linear", [x, In(g, "wk", 4, 4)]);
            Value v = g.Op("linear", [x, In(g, "wv", 4, 4)]);
            Value scores = g.Op("mul", [g.Op("matmul", [q, g.Op("transpose", [k], Attrs.Empty.With("dim0", -2L).With("dim1", -1L))]), g.Constant(0.5, F64)]);
            Value causal = g.Op("gt", [In(g, "future", 3, 3), g.Constant(0.5, F64)]);
            Value masked = g.Op("where", [causal, g.Constant(-1e9, F64), scores]);
            Value attended = g.Op("add", [x, g.Op("matmul", [g.Op("softmax", [masked], Attrs.Empty.With("dim", -1L)), v])]);
            Value normed = g.Op("layer_norm", [attended, In(g, "lnw", 4), In(g, "lnb", 4)], Attrs.Empty.With("normalized_shape", new long[] { 4 }).With("eps", 1e-5));
            Value hidden = g.Op("gelu", [g.Op("linear", [normed, In(g, "w1", 8, 4), In(g, "b1", 8)])]);
            return g.Op("add", [attended, g.Op("linear", [hidden, In(g, "w2", 4, 8)])]);
        }, -1, 1, ("x", [2, 3, 4]), ("wq", [4, 4]), ("wk", [4, 4]), ("wv", [4, 4]), ("future", [3, 3]), ("lnw", [4]), ("lnb", [4]),
            ("w1", [8, 4]), ("b1", [8]), ("w2", [4, 8]));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(0)]
    [InlineData(-1)]
    public void Cat_hands_each_input_its_slice(long dim)
    {
        // a [2, 3] and a [2, 4] join on the last dim; on dim 0 the shapes are [2, 3] and [5, 3]
        (string, int[])[] sources = dim == 0 ? [("a", [2, 3]), ("b", [5, 3]), ("c", [1, 3])] : [("a", [2, 3]), ("b", [2, 4]), ("c", [2, 1])];
        Check(g =>
        {
            Value[] inputs = sources.Select(s => In(g, s.Item1, s.Item2)).ToArray();
            Value joined = g.Op("cat", [inputs[0], g.Op("mul", [inputs[1], inputs[1]]), inputs[2]], Attrs.Empty.With("dim", dim));
            return g.Op("tanh", [joined]);
        }, -1, 1, sources);
    }

    [Theory]
    [InlineData(1, 1, 2)]
    [InlineData(-1, -3, 3)]
    [InlineData(0, 0, 1)]
    public void Narrow_places_the_gradient_in_its_slice(long dim, long start, long length)
    {
        Check(g => g.Op("exp", [g.Op("narrow", [In(g, "x", 2, 4)], Attrs.Empty.With("dim", dim).With("start", start).With("length", length))]), -1, 1, ("x", [2, 4]));
    }

    [Fact]
    public void Cat_of_one_input_used_twice_accumulates_both_slices()
    {
        Check(g =>
        {
            Value x = In(g, "x", 2, 3);
            return g.Op("cat", [x, g.Op("exp", [x])], Attrs.Empty.With("dim", 0L));
        }, -1, 1, ("x", [2, 3]));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(-1)]
    public void Stack_hands_each_input_its_slice(long dim)
    {
        Check(g =>
        {
            Value a = In(g, "a", 2, 3);
            Value b = In(g, "b", 2, 3);
            return g.Op("sigmoid", [g.Op("stack", [a, g.Op("mul", [a, b]), b], Attrs.Empty.With("dim", dim))]);
        }, -1, 1, ("a", [2, 3]), ("b", [2, 3]));
    }

    [Fact]
    public void Every_differentiable_op_is_covered_by_a_test_here()
    {
        string[] covered =
        [
            .. UnaryNames, .. BinaryNames, "where", "sum", "mean", "amax",
            "reshape", "flatten", "transpose", "permute", "unsqueeze", "squeeze", "contiguous", "matmul", "linear", "softmax", "log_softmax",
            "conv2d", "max_pool2d", "avg_pool2d", "batch_norm", "layer_norm", "dropout", "embedding", "sign", "scaled_dot_product_attention",
            "cat", "stack", "narrow",
        ];
        string[] differentiable = OpTable.Names.Where(n => OpTable.Get(n).IsDifferentiable && OpTable.Get(n).Kind != OpKind.Source).ToArray();

        Assert.Empty(differentiable.Except(covered));
    }

    private static Value In(GraphBuilder g, string name, params int[] shape) =>
        g.Input(name, TensorType.Of(F64, shape.Select(s => (long)s).ToArray()));

    private static void Check(Func<GraphBuilder, Value> build, double lo, double hi, params (string Name, int[] Shape)[] sources)
    {
        var g = new GraphBuilder("t.Forward");
        g.Output(build(g));
        var random = new Random(11);
        GradCheck.Check(g.Build(), sources.ToDictionary(s => s.Name, s => RefTensor.Random(random, s.Shape, lo, hi)));
    }
}
