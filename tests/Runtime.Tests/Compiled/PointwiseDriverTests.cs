using System.Runtime.Intrinsics;
using DeepGen.Compiled;

namespace DeepGen.Tests.Compiled;

/// <summary>
/// The fused-loop driver against eager broadcasting arithmetic: contiguous, transposed, stepped, offset and
/// broadcast operands, sizes that hit vector tails, block edges and the threaded path, several outputs, and
/// a kernel that reads a bool tensor.
/// </summary>
public class PointwiseDriverTests
{
    /// <summary>out0 = a * b + c, out1 = relu(out0): the shape of code the C# emitter writes.</summary>
    struct MulAddRelu : IPointwiseKernel
    {
        public void Apply(PointwiseBlock block)
        {
            ReadOnlySpan<float> in0 = block.Input<float>(0), in1 = block.Input<float>(1), in2 = block.Input<float>(2);
            Span<float> out0 = block.Output<float>(0), out1 = block.Output<float>(1);
            int i = 0;
            for (; i <= block.Length - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                Vector256<float> s0 = Pw.Load(in0, i) * Pw.Load(in1, i) + Pw.Load(in2, i);
                Pw.Store(s0, out0, i);
                Pw.Store(Pw.Relu(s0), out1, i);
            }

            for (; i < block.Length; i++)
            {
                float s0 = in0[i] * in1[i] + in2[i];
                out0[i] = s0;
                out1[i] = Pw.Relu(s0);
            }
        }
    }

    /// <summary>where(mask, x, 0.5 * x) over a bool tensor and a double tensor: a scalar-only kernel of mixed types.</summary>
    struct MaskedHalf : IPointwiseKernel
    {
        public void Apply(PointwiseBlock block)
        {
            ReadOnlySpan<bool> in0 = block.Input<bool>(0);
            ReadOnlySpan<double> in1 = block.Input<double>(1);
            Span<double> out0 = block.Output<double>(0);
            for (int i = 0; i < block.Length; i++) out0[i] = Pw.Where(in0[i], in1[i], 0.5 * in1[i]);
        }
    }

    public enum Layout { Contiguous, Transposed, Stepped, Offset, Broadcast }

    static Tensor Random(int[] shape, ulong seed) => Tensor.Randn(shape, generator: new Generator(seed));

    /// <summary>A [rows, cols] operand with the given layout (same values as a contiguous one would have).</summary>
    static Tensor Operand(int rows, int cols, Layout layout, ulong seed) => layout switch
    {
        Layout.Contiguous => Random([rows, cols], seed),
        Layout.Transposed => Random([cols, rows], seed).T,
        Layout.Stepped => Random([rows, cols * 2], seed).Slice(1, 0, cols * 2, 2),
        Layout.Offset => Random([rows + 1, cols], seed).Slice(0, 1, rows + 1),
        _ => Random([1, cols], seed).Expand(rows, cols),
    };

    public static TheoryData<int, Layout> Cases()
    {
        var data = new TheoryData<int, Layout>();
        foreach (int n in new[] { 1, 7, 33, 1000, 70_001 })
            foreach (Layout layout in Enum.GetValues<Layout>())
                data.Add(n, layout);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Fused_outputs_match_eager_arithmetic(int cols, Layout layout)
    {
        int rows = cols > 1000 ? 3 : 5;
        var a = Operand(rows, cols, layout, 1);
        var b = Operand(rows, cols, Layout.Contiguous, 2);
        var c = Random([cols], 3); // broadcast along rows

        var outputs = Pointwise.Run("fused_mul_add_relu", new MulAddRelu(), [a, b, c], [DType.Float32, DType.Float32]);

        var expected = a * b + c;
        Assert.Equal(new[] { rows, cols }, outputs[0].ShapeArray());
        Assert.True(outputs[0].IsContiguous);
        Assert.Equal(expected.ToArray<float>(), outputs[0].ToArray<float>());
        Assert.Equal(expected.Relu().ToArray<float>(), outputs[1].ToArray<float>());
    }

    [Fact]
    public void Scalar_and_size_one_inputs_broadcast_to_the_iteration_shape()
    {
        var a = Tensor.Scalar(2.0, DType.Float32);
        var b = Random([3, 1, 5], 4);
        var c = Random([4, 1], 5);

        var result = Pointwise.Run("k", new MulAddRelu(), [a, b, c], [DType.Float32, DType.Float32])[0];

        Assert.Equal(new[] { 3, 4, 5 }, result.ShapeArray());
        Assert.Equal((a * b + c).ToArray<float>(), result.ToArray<float>());
    }

    [Theory]
    [InlineData(1)]
    [InlineData(33)]
    [InlineData(1000)]
    public void Mixed_types_run_through_the_scalar_kernel(int n)
    {
        var x = Tensor.Randn([n], DType.Float64, new Generator(6));
        var mask = x.Gt(0.25);

        var result = Pointwise.Run("k", new MaskedHalf(), [mask, x], [DType.Float64])[0];

        Assert.Equal(Tensor.Where(mask, x, x * 0.5).ToArray<double>(), result.ToArray<double>());
    }

    [Fact]
    public void Shapes_that_do_not_broadcast_are_named_in_the_error()
    {
        var error = Assert.Throws<ArgumentException>(() =>
            Pointwise.Run("fused_mul_add_3", new MulAddRelu(), [Random([2, 3], 1), Random([4, 3], 2), Random([3], 3)], [DType.Float32, DType.Float32]));
        Assert.Equal("fused_mul_add_3: input shapes [2, 3], [4, 3], [3] do not broadcast together", error.Message);
    }

    [Fact]
    public void Empty_iteration_space_gives_empty_outputs()
    {
        var result = Pointwise.Run("k", new MulAddRelu(), [Random([0, 3], 1), Random([0, 3], 2), Random([3], 3)], [DType.Float32, DType.Float32]);
        Assert.Equal(new[] { 0, 3 }, result[1].ShapeArray());
    }

    [Theory]
    [InlineData(7)]
    [InlineData(70_001)]
    public void An_output_reusing_a_dense_input_is_that_tensor_with_the_results_in_it(int cols)
    {
        var a = Random([3, cols], 1);
        var b = Random([3, cols], 2);
        var c = Random([cols], 3);
        var expected = a * b + c;

        // out0 into a (read and written at the same index), out1 into b
        var outputs = Pointwise.Run("k", new MulAddRelu(), [a, b, c], [DType.Float32, DType.Float32], reuse: [0, 1]);

        Assert.Same(a, outputs[0]);
        Assert.Same(b, outputs[1]);
        Assert.Equal(expected.ToArray<float>(), a.ToArray<float>());
        Assert.Equal(expected.Relu().ToArray<float>(), b.ToArray<float>());
    }

    public static TheoryData<string> UnusableBuffers() => ["view", "broadcast", "offset", "part", "grad", "twice"];

    [Theory]
    [MemberData(nameof(UnusableBuffers))]
    public void An_input_that_cannot_take_the_output_is_left_untouched_and_the_output_is_new(string kind)
    {
        var b = Random([3, 8], 2);
        var c = Random([8], 3);
        Tensor a = kind switch
        {
            "view" => Random([8, 3], 1).T,
            "broadcast" => Random([1, 8], 1).Expand(3, 8),
            "offset" => Random([4, 8], 1).Slice(0, 1, 4),
            "part" => Random([6, 8], 1).Slice(0, 0, 3),
            "grad" => Random([3, 8], 1).RequiresGrad_(),
            _ => Random([3, 8], 1),
        };
        var before = a.Detach().Clone();
        var outputs = Pointwise.Run("k", new MulAddRelu(), [a, b, c], [DType.Float32, DType.Float32], reuse: kind == "twice" ? [0, 0] : [0, -1]);

        if (kind == "twice")
        {
            // the first output takes the buffer; the second, asking for the same one, is new
            Assert.Same(a, outputs[0]);
            Assert.NotSame(a, outputs[1]);
            Assert.Equal((before * b + c).Relu().ToArray<float>(), outputs[1].ToArray<float>());
            return;
        }

        Assert.NotSame(a, outputs[0]);
        Assert.Equal(before.ToArray<float>(), a.ToArray<float>());
        Assert.Equal((before * b + c).ToArray<float>(), outputs[0].ToArray<float>());
    }

    [Fact]
    public void An_input_of_another_dtype_does_not_take_the_output()
    {
        var x = Tensor.Randn([33], DType.Float64, new Generator(6));
        var mask = x.Gt(0.25);

        var result = Pointwise.Run("k", new MaskedHalf(), [mask, x], [DType.Float64], reuse: [0])[0];

        Assert.NotSame(mask, result);
        Assert.Equal(DType.Bool, mask.DType);
        Assert.Equal(Tensor.Where(mask, x, x * 0.5).ToArray<double>(), result.ToArray<double>());
    }
}
