using DeepGen.Fusion.Ir;
using DeepGen.Fusion.Ops;
using Xunit;
using static DeepGen.Fusion.Tests.Ir.TestGraphs;

namespace DeepGen.Fusion.Tests.Ir;

public class GraphBuilderTests
{
    private static readonly TensorType F32x10 = TensorType.Of(ScalarType.Float32, 10);

    [Fact]
    public void Infers_the_mlp_types_with_the_symbolic_batch()
    {
        IrGraph graph = Mlp();

        Assert.Equal("f32[B, 10]", graph.TypeOf(graph.Outputs[0]).ToString());
        Assert.Equal("f32[B, 784]", graph.Nodes.Single(n => n.Op == "flatten").Type.ToString());
        Assert.Equal(["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"], graph.States.Select(n => n.Attrs.Text("name")));
    }

    [Fact]
    public void Prints_stable_graph_text()
    {
        string text = Mlp().ToString();

        Assert.Contains("%5 = flatten(%0, start=1, end=-1) : f32[B, 784]", text);
        Assert.Contains("%6 = linear(%5, %1, %2) : f32[B, 256]", text);
        Assert.EndsWith("  return %8\n}\n", text.Replace("\r\n", "\n"));
    }

    [Fact]
    public void Equal_builds_give_equal_graphs()
    {
        Assert.Equal(Mlp(), Mlp());
        Assert.Equal(Mlp().GetHashCode(), Mlp().GetHashCode());
    }

    [Fact]
    public void Linear_with_a_wrong_in_features_names_both_shapes()
    {
        var g = new GraphBuilder("Net.Forward");
        Value x = g.Input("x", TensorType.Of(ScalarType.Float32, B, Dim.Constant(784)));
        Value w = g.Parameter("fc.weight", "fc.Weight", TensorType.Of(ScalarType.Float32, 256, 78));
        var span = new SourceSpan("Net.cs", 120, 14, 7, 16);

        ShapeException error = Assert.Throws<ShapeException>(() => g.Op("linear", [x, w], null, span));

        Assert.Equal("linear: input [B, 784] and weight [256, 78]: the weight's in_features 78 differ from the input's last dimension 784", error.Message);
        Assert.Equal(span, error.Span);
    }

    [Fact]
    public void Broadcasting_reports_the_clashing_dimension()
    {
        var g = new GraphBuilder("t");
        Value a = g.Input("a", TensorType.Of(ScalarType.Float32, B, Dim.Constant(10)));
        Value b = g.Input("b", TensorType.Of(ScalarType.Float32, 5));

        ShapeException error = Assert.Throws<ShapeException>(() => g.Op("add", [a, b]));

        Assert.Equal("add: shapes [B, 10] and [5] do not broadcast: sizes 10 and 5 differ at dimension -1", error.Message);
    }

    [Theory]
    [InlineData("B", "B", "B")]
    [InlineData("B", "1", "B")]
    [InlineData("1", "7", "7")]
    [InlineData("T", "C", "?")]
    [InlineData("T", "7", "7")]
    [InlineData("?", "5", "5")]
    public void Broadcasting_symbols_stays_silent_unless_provably_wrong(string a, string b, string expected)
    {
        Assert.Equal(expected, DimMath.Broadcast(Parse(a), Parse(b))!.ToString());
    }

    [Fact]
    public void Same_symbol_with_different_offsets_clashes()
    {
        Assert.Null(DimMath.Broadcast(Dim.Of("T"), Dim.Affine("T", 1, 1)));
    }

    [Fact]
    public void Weak_scalars_keep_the_tensor_dtype()
    {
        var g = new GraphBuilder("t");
        Value x = g.Input("x", F32x10);
        Value i = g.Input("i", TensorType.Of(ScalarType.Int64, 10));

        Assert.Equal(ScalarType.Float32, g.TypeOf(g.Op("mul", [x, g.Constant(2.0, ScalarType.Float64)])).DType);
        Assert.Equal(ScalarType.Float32, g.TypeOf(g.Op("mul", [i, g.Constant(0.5, ScalarType.Float64)])).DType);
        Assert.Equal(ScalarType.Int64, g.TypeOf(g.Op("add", [i, g.Constant(1, ScalarType.Int64)])).DType);
        Assert.Equal(ScalarType.Float32, g.TypeOf(g.Op("div", [i, i])).DType);
        Assert.Equal(ScalarType.Bool, g.TypeOf(g.Op("gt", [x, g.Constant(0, ScalarType.Float64)])).DType);
    }

    [Fact]
    public void Reshape_checks_the_element_count_and_infers_minus_one()
    {
        var g = new GraphBuilder("t");
        Value x = g.Input("x", TensorType.Of(ScalarType.Float32, B, Dim.Constant(64), Dim.Constant(7), Dim.Constant(7)));
        Attrs inferLast = Attrs.Empty.With("dims", new[] { B, Dim.Unknown }.ToEquatableArray()).With("infer", 1L);

        Assert.Equal("[B, 3136]", g.TypeOf(g.Op("reshape", [x], inferLast)).ShapeText);

        Value y = g.Input("y", TensorType.Of(ScalarType.Float32, 6, 4));
        ShapeException error = Assert.Throws<ShapeException>(() =>
            g.Op("reshape", [y], Attrs.Empty.With("dims", new[] { Dim.Constant(5), Dim.Constant(5) }.ToEquatableArray())));
        Assert.Equal("reshape: shape [5, 5] is invalid for input of shape [6, 4] (24 elements, the new shape has 25)", error.Message);
    }

    [Fact]
    public void Conv_and_pool_compute_the_fashion_mnist_sizes()
    {
        var g = new GraphBuilder("t");
        Value x = g.Input("x", TensorType.Of(ScalarType.Float32, B, Dim.Constant(1), Dim.Constant(28), Dim.Constant(28)));
        Value w = g.Parameter("conv1.weight", "conv1.Weight", TensorType.Of(ScalarType.Float32, 32, 1, 3, 3));
        Attrs conv = Attrs.Empty.With("stride", new long[] { 1, 1 }).With("padding", new long[] { 1, 1 }).With("dilation", new long[] { 1, 1 }).With("groups", 1L);
        Value y = g.Op("conv2d", [x, w], conv);
        IReadOnlyList<Value> pooled = g.OpOutputs("max_pool2d", [y],
            Attrs.Empty.With("kernel", new long[] { 2, 2 }).With("stride", new long[] { 2, 2 }).With("padding", new long[] { 0, 0 }));

        Assert.Equal("f32[B, 32, 28, 28]", g.TypeOf(y).ToString());
        Assert.Equal("f32[B, 32, 14, 14]", g.TypeOf(pooled[0]).ToString());
        Assert.Equal("i64[B, 32, 14, 14]", g.TypeOf(pooled[1]).ToString());

        Value wrong = g.Input("rgb", TensorType.Of(ScalarType.Float32, B, Dim.Constant(3), Dim.Constant(28), Dim.Constant(28)));
        ShapeException error = Assert.Throws<ShapeException>(() => g.Op("conv2d", [wrong, w], conv));
        Assert.Equal("conv2d: input [B, 3, 28, 28] has 3 channels, but weight [32, 1, 3, 3] expects 1 (groups=1)", error.Message);
    }

    [Fact]
    public void Matmul_follows_torch_matmul()
    {
        var g = new GraphBuilder("t");
        Value q = g.Input("q", TensorType.Of(ScalarType.Float32, B, Dim.Constant(4), Dim.Of("T"), Dim.Constant(64)));
        Value k = g.Op("transpose", [q], Attrs.Empty.With("dim0", -2L).With("dim1", -1L));

        Assert.Equal("[B, 4, T, T]", g.TypeOf(g.Op("matmul", [q, k])).ShapeText);
        Value v = g.Input("v", TensorType.Of(ScalarType.Float32, 3));
        Value m = g.Input("m", TensorType.Of(ScalarType.Float32, 2, 4));
        ShapeException error = Assert.Throws<ShapeException>(() => g.Op("matmul", [m, v]));
        Assert.Equal("matmul: [2, 4] @ [3]: inner dimensions 4 and 3 differ", error.Message);
    }

    [Fact]
    public void Every_op_in_the_table_is_reachable_by_name()
    {
        foreach (string name in OpTable.Names)
        {
            Assert.Equal(name, OpTable.Get(name).Name);
        }

        Assert.Throws<KeyNotFoundException>(() => OpTable.Get("no_such_op"));
    }

    [Fact]
    public void Wrong_input_counts_are_reported()
    {
        var g = new GraphBuilder("t");
        Value x = g.Input("x", F32x10);

        ShapeException error = Assert.Throws<ShapeException>(() => g.Op("add", [x]));
        Assert.Equal("add: takes 2 inputs, got 1", error.Message);
    }

    private static Dim Parse(string text) => text switch
    {
        "?" => Dim.Unknown,
        _ when long.TryParse(text, out long n) => Dim.Constant(n),
        _ => Dim.Of(text),
    };
}
