using DeepGen.Fusion.Ir;
using DeepGen.Fusion.Ops;
using Xunit;

namespace DeepGen.Fusion.Tests.Ir;

/// <summary>The shape and dtype rules of cat, stack and narrow: symbolic sizes add up, mismatches name the op, the dim and both shapes.</summary>
public class JoinRuleTests
{
    private static readonly Dim B = Dim.Of("B");

    [Fact]
    public void Cat_adds_the_joined_dim_and_keeps_symbols()
    {
        var g = new GraphBuilder("t");
        Value a = g.Input("a", TensorType.Of(ScalarType.Float32, B, Dim.Constant(16)));
        Value b = g.Input("b", TensorType.Of(ScalarType.Float32, B, Dim.Constant(32)));

        Assert.Equal("f32[B, 48]", g.TypeOf(g.Op("cat", [a, b], Attrs.Empty.With("dim", 1L))).ToString());
        Assert.Equal("f32[B, 48]", g.TypeOf(g.Op("cat", [a, b], Attrs.Empty.With("dim", -1L))).ToString());
        Assert.Equal("f32[2*B, 16]", g.TypeOf(g.Op("cat", [a, a], Attrs.Empty.With("dim", 0L))).ToString());
    }

    [Fact]
    public void Cat_of_two_different_symbols_leaves_the_size_to_run_time()
    {
        var g = new GraphBuilder("t");
        Value a = g.Input("a", TensorType.Of(ScalarType.Float32, B, Dim.Constant(16)));
        Value c = g.Input("c", TensorType.Of(ScalarType.Float32, Dim.Of("C"), Dim.Constant(16)));
        Value d = g.Input("d", TensorType.Of(ScalarType.Float32, Dim.Constant(3), Dim.Constant(16)));

        Assert.Equal("f32[?, 16]", g.TypeOf(g.Op("cat", [a, c], Attrs.Empty.With("dim", 0L))).ToString());
        Assert.Equal("f32[B+3, 16]", g.TypeOf(g.Op("cat", [a, d], Attrs.Empty.With("dim", 0L))).ToString());
    }

    [Fact]
    public void Cat_mismatch_names_the_tensors_both_shapes_and_the_dim()
    {
        var g = new GraphBuilder("t");
        Value a = g.Input("a", TensorType.Of(ScalarType.Float32, B, Dim.Constant(16)));
        Value b = g.Input("b", TensorType.Of(ScalarType.Float32, B, Dim.Constant(32)));

        ShapeException error = Assert.Throws<ShapeException>(() => g.Op("cat", [a, b], Attrs.Empty.With("dim", 0L)));

        Assert.Equal("cat: tensor 1 has shape [B, 32] but tensor 0 has [B, 16]; all sizes but dim 0 must match", error.Message);
    }

    [Fact]
    public void Cat_rank_mismatch_and_dim_out_of_range_are_reported()
    {
        var g = new GraphBuilder("t");
        Value a = g.Input("a", TensorType.Of(ScalarType.Float32, B, Dim.Constant(16)));
        Value v = g.Input("v", TensorType.Of(ScalarType.Float32, 16));

        Assert.Equal("cat: tensor 1 has shape [16] but tensor 0 has [B, 16]; all tensors need the same rank",
            Assert.Throws<ShapeException>(() => g.Op("cat", [a, v], Attrs.Empty.With("dim", 0L))).Message);
        Assert.Equal("cat: dim 2 is out of range for a tensor of rank 2 (expected to be in [-2, 1])",
            Assert.Throws<ShapeException>(() => g.Op("cat", [a, a], Attrs.Empty.With("dim", 2L))).Message);
    }

    [Fact]
    public void Cat_promotes_dtypes_and_skips_legacy_empty_tensors_as_the_eager_op_does()
    {
        var g = new GraphBuilder("t");
        Value a = g.Input("a", TensorType.Of(ScalarType.Float32, 2, 3));
        Value d = g.Input("d", TensorType.Of(ScalarType.Float64, 2, 3));
        Value empty = g.Input("e", TensorType.Of(ScalarType.Float32, 0));

        Assert.Equal("f64[4, 3]", g.TypeOf(g.Op("cat", [a, d], Attrs.Empty.With("dim", 0L))).ToString());
        Assert.Equal("f32[2, 3]", g.TypeOf(g.Op("cat", [empty, a], Attrs.Empty.With("dim", 0L))).ToString());
    }

    [Fact]
    public void Stack_inserts_the_count_and_needs_equal_shapes()
    {
        var g = new GraphBuilder("t");
        Value a = g.Input("a", TensorType.Of(ScalarType.Float32, B, Dim.Constant(16)));
        Value b = g.Input("b", TensorType.Of(ScalarType.Float32, B, Dim.Constant(32)));

        Assert.Equal("f32[B, 3, 16]", g.TypeOf(g.Op("stack", [a, a, a], Attrs.Empty.With("dim", 1L))).ToString());
        Assert.Equal("f32[B, 16, 2]", g.TypeOf(g.Op("stack", [a, a], Attrs.Empty.With("dim", -1L))).ToString());
        Assert.Equal("stack: tensor 1 has shape [B, 32] but tensor 0 has [B, 16]; stack needs tensors of equal shape",
            Assert.Throws<ShapeException>(() => g.Op("stack", [a, b], Attrs.Empty.With("dim", 0L))).Message);
    }

    [Fact]
    public void Narrow_takes_the_length_and_checks_the_range_when_the_size_is_known()
    {
        var g = new GraphBuilder("t");
        Value x = g.Input("x", TensorType.Of(ScalarType.Float32, B, Dim.Constant(16)));
        Attrs Range(long dim, long start, long length) => Attrs.Empty.With("dim", dim).With("start", start).With("length", length);

        Assert.Equal("f32[B, 8]", g.TypeOf(g.Op("narrow", [x], Range(1, 8, 8))).ToString());
        Assert.Equal("f32[B, 4]", g.TypeOf(g.Op("narrow", [x], Range(-1, -4, 4))).ToString());
        Assert.Equal("f32[2, 16]", g.TypeOf(g.Op("narrow", [x], Range(0, 3, 2))).ToString()); // B is checked at run time
        Assert.Equal("narrow: start 10 and length 8 are out of range for dim 1 of size 16 (input [B, 16])",
            Assert.Throws<ShapeException>(() => g.Op("narrow", [x], Range(1, 10, 8))).Message);
    }

    [Fact]
    public void Stack_of_two_different_symbols_stays_silent()
    {
        var g = new GraphBuilder("t");
        Value a = g.Input("a", TensorType.Of(ScalarType.Float32, B, Dim.Constant(16)));
        Value c = g.Input("c", TensorType.Of(ScalarType.Float32, Dim.Of("C"), Dim.Constant(16)));

        Assert.Equal("f32[2, B, 16]", g.TypeOf(g.Op("stack", [a, c], Attrs.Empty.With("dim", 0L))).ToString());
    }
}
