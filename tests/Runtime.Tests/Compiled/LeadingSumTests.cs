using System.Runtime.Intrinsics;
using DeepGen.Compiled;

namespace DeepGen.Tests.Compiled;

/// <summary>
/// A fused kernel that also sums (or averages) one output over its leading dims as it runs
/// (<see cref="LeadingSum"/>), against the eager reduction of that output: odd sizes, several leading dims,
/// strided and broadcast inputs, the threaded path, keepdim, mean, float64, empty tensors and bad requests.
/// </summary>
public class LeadingSumTests
{
    /// <summary>out0 = relu(a * b): the shape of code the C# emitter writes.</summary>
    internal struct MulRelu : IPointwiseKernel
    {
        public void Apply(PointwiseBlock block)
        {
            ReadOnlySpan<float> in0 = block.Input<float>(0), in1 = block.Input<float>(1);
            Span<float> out0 = block.Output<float>(0);
            int i = 0;
            for (; i <= block.Length - Vector256<float>.Count; i += Vector256<float>.Count)
                Pw.Store(Pw.Relu(Pw.Load(in0, i) * Pw.Load(in1, i)), out0, i);
            for (; i < block.Length; i++) out0[i] = Pw.Relu(in0[i] * in1[i]);
        }
    }

    /// <summary>out0 = x + 1, out1 = 2 x, in double.</summary>
    struct TwoDoubles : IPointwiseKernel
    {
        public void Apply(PointwiseBlock block)
        {
            ReadOnlySpan<double> in0 = block.Input<double>(0);
            Span<double> out0 = block.Output<double>(0), out1 = block.Output<double>(1);
            for (int i = 0; i < block.Length; i++)
            {
                out0[i] = in0[i] + 1;
                out1[i] = 2 * in0[i];
            }
        }
    }

    static Tensor Random(int[] shape, ulong seed) => Tensor.Randn(shape, generator: new Generator(seed));

    /// <summary>Within a few float roundings of the eager sum: both add in double, in different orders.</summary>
    static void AssertClose(Tensor expected, Tensor actual)
    {
        Assert.Equal(expected.ShapeArray(), actual.ShapeArray());
        Assert.Equal(expected.DType, actual.DType);
        double[] e = expected.To(DType.Float64).ToArray<double>(), a = actual.To(DType.Float64).ToArray<double>();
        for (int i = 0; i < e.Length; i++)
            Assert.True(Math.Abs(e[i] - a[i]) <= 1e-6 * (1 + Math.Abs(e[i])), $"element {i}: expected {e[i]}, got {a[i]}");
    }

    public static TheoryData<int[], int> Shapes() => new()
    {
        { [1, 1], 1 }, { [7, 1], 1 }, { [1, 33], 1 }, { [7, 33], 1 }, { [33, 7], 1 }, { [1000, 3], 1 }, { [3, 1000], 1 },
        { [5, 7, 33], 1 }, { [5, 7, 33], 2 }, { [2, 3, 4, 5], 3 },
        { [300, 257], 1 }, // 77,100 elements: threaded, three chunks of rows, the last one short
        { [8, 128, 256], 2 }, // a transformer block's bias gradient
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void The_sum_matches_the_eager_reduction_of_the_output(int[] shape, int dims)
    {
        var a = Random(shape, 1);
        var b = Random(shape, 2);

        var results = Pointwise.Run("fused_mul_relu_5", new MulRelu(), [a, b], [DType.Float32], sum: new LeadingSum(0, dims, KeepDim: false, Mean: false));

        var expected = (a * b).Relu();
        Assert.Equal(2, results.Length);
        Assert.Equal(expected.ToArray<float>(), results[0].ToArray<float>());
        AssertClose(expected.Sum([.. Enumerable.Range(0, dims)]), results[1]);
    }

    [Fact]
    public void Strided_and_broadcast_inputs_are_summed_by_their_broadcast_values()
    {
        var a = Random([40, 30], 3).T; // [30, 40], transposed
        var b = Random([40], 4); // broadcast along the rows

        var sum = Pointwise.Run("k", new MulRelu(), [a, b], [DType.Float32], sum: new LeadingSum(0, 1, KeepDim: false, Mean: false))[1];

        AssertClose((a * b).Relu().Sum([0]), sum);
    }

    [Fact]
    public void Mean_with_keepdim_divides_by_the_rows_and_keeps_size_one_dims()
    {
        var a = Random([6, 5, 9], 5);
        var b = Random([6, 5, 9], 6);

        var mean = Pointwise.Run("k", new MulRelu(), [a, b], [DType.Float32], sum: new LeadingSum(0, 2, KeepDim: true, Mean: true))[1];

        Assert.Equal(new[] { 1, 1, 9 }, mean.ShapeArray());
        AssertClose((a * b).Relu().Mean([0, 1], keepdim: true), mean);
    }

    [Fact]
    public void A_second_float64_output_is_summed()
    {
        var x = Tensor.Randn([70, 11], DType.Float64, new Generator(7));

        var results = Pointwise.Run("k", new TwoDoubles(), [x], [DType.Float64, DType.Float64], sum: new LeadingSum(1, 1, KeepDim: false, Mean: false));

        Assert.Equal(3, results.Length);
        AssertClose((x * 2).Sum([0]), results[2]);
    }

    [Fact]
    public void No_rows_give_a_zero_sum_and_a_nan_mean()
    {
        var a = Random([0, 4], 8);

        var sum = Pointwise.Run("k", new MulRelu(), [a, a], [DType.Float32], sum: new LeadingSum(0, 1, KeepDim: false, Mean: false))[1];
        var mean = Pointwise.Run("k", new MulRelu(), [a, a], [DType.Float32], sum: new LeadingSum(0, 1, KeepDim: false, Mean: true))[1];

        Assert.Equal(new float[4], sum.ToArray<float>());
        Assert.All(mean.ToArray<float>(), v => Assert.True(float.IsNaN(v)));
        Assert.All(a.Mean([0]).ToArray<float>(), v => Assert.True(float.IsNaN(v)));
    }

    [Theory]
    [InlineData(1, 1, "fused_mul_relu_5: the sum reads output 1, but the kernel has 1 outputs")]
    [InlineData(0, 0, "fused_mul_relu_5: a sum over the leading 0 dims of output 0, of shape [3, 4], needs between 1 and 1 dims")]
    [InlineData(0, 2, "fused_mul_relu_5: a sum over the leading 2 dims of output 0, of shape [3, 4], needs between 1 and 1 dims")]
    public void A_sum_that_does_not_fit_the_outputs_is_refused_by_name(int output, int dims, string message)
    {
        var a = Random([3, 4], 9);

        var error = Assert.Throws<ArgumentException>(() =>
            Pointwise.Run("fused_mul_relu_5", new MulRelu(), [a, a], [DType.Float32], sum: new LeadingSum(output, dims, KeepDim: false, Mean: false)));

        Assert.Equal(message, error.Message);
    }
}
