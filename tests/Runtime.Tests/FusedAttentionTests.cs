using DeepGen.Compiled;

namespace DeepGen.Tests;

/// <summary>
/// The blocked attention kernel (eager <see cref="F.ScaledDotProductAttention"/> without a mask tensor, and
/// the compiled path's <see cref="Library"/> calls) against plain double loops: output, log-sum-exp and the
/// three gradients, at odd lengths (1, 7, 33 and more rows than one block), head dims 16 and 64, causal and
/// not, with query and value given as heads transposed out of [B, T, H, d] (read in place).
/// </summary>
public class FusedAttentionTests
{
    const int Batch = 2, HeadCount = 2;

    /// <summary>Output, log-sum-exp and (dq, dk, dv) for upstream gradient g, per (batch, head) matrix, with plain loops.</summary>
    static (double[] O, double[] Lse, double[] Dq, double[] Dk, double[] Dv) Reference(double[] q, double[] k, double[] v, double[] g,
        int matrices, int l, int s, int e, int ev, double scale, bool causal)
    {
        var (o, lse) = (new double[matrices * l * ev], new double[matrices * l]);
        var (dq, dk, dv) = (new double[matrices * l * e], new double[matrices * s * e], new double[matrices * s * ev]);
        for (int b = 0; b < matrices; b++)
        for (int i = 0; i < l; i++)
        {
            var p = new double[s];
            double max = double.NegativeInfinity;
            for (int j = 0; j < s; j++)
            {
                double dot = 0;
                for (int t = 0; t < e; t++) dot += q[(b * l + i) * e + t] * k[(b * s + j) * e + t];
                p[j] = causal && j > i ? double.NegativeInfinity : dot * scale;
                max = Math.Max(max, p[j]);
            }
            double sum = p.Sum(x => Math.Exp(x - max));
            lse[b * l + i] = max + Math.Log(sum);
            for (int j = 0; j < s; j++) p[j] = Math.Exp(p[j] - lse[b * l + i]);
            for (int j = 0; j < s; j++)
                for (int t = 0; t < ev; t++) o[(b * l + i) * ev + t] += p[j] * v[(b * s + j) * ev + t];
            // dS = P * (dP - sum(dO * O)), dP = dO V^T
            double rowDot = 0;
            for (int t = 0; t < ev; t++) rowDot += g[(b * l + i) * ev + t] * o[(b * l + i) * ev + t];
            for (int j = 0; j < s; j++)
            {
                double dp = 0;
                for (int t = 0; t < ev; t++)
                {
                    dp += g[(b * l + i) * ev + t] * v[(b * s + j) * ev + t];
                    dv[(b * s + j) * ev + t] += p[j] * g[(b * l + i) * ev + t];
                }
                double ds = p[j] * (dp - rowDot) * scale;
                for (int t = 0; t < e; t++)
                {
                    dq[(b * l + i) * e + t] += ds * k[(b * s + j) * e + t];
                    dk[(b * s + j) * e + t] += ds * q[(b * l + i) * e + t];
                }
            }
        }
        return (o, lse, dq, dk, dv);
    }

    /// <summary>[B, H, T, d] heads as a transposed view of a [B, T, H, d] tensor.</summary>
    static Tensor Heads(double[] values, int t, int d, DType dtype) =>
        Tensor.FromArray(values, Batch, t, HeadCount, d).To(dtype).Transpose(1, 2);

    public static TheoryData<int, int, int, bool> Sizes() => new()
    {
        { 1, 1, 16, false }, { 1, 1, 64, true }, { 7, 7, 16, true }, { 7, 7, 64, false },
        { 33, 33, 16, true }, { 33, 33, 64, false }, { 33, 33, 64, true }, { 70, 70, 16, true }, { 9, 5, 16, true }, { 5, 9, 16, false },
    };

    [Theory]
    [MemberData(nameof(Sizes))]
    public void Forward_and_backward_match_plain_loops(int l, int s, int e, bool causal)
    {
        int ev = e, matrices = Batch * HeadCount;
        double scale = 1 / Math.Sqrt(e);
        foreach (DType dtype in ReferenceData.FloatTypes)
        {
            var query = Heads(ReferenceData.Values(matrices * l * e, 1), l, e, dtype);
            var key = Tensor.FromArray(ReferenceData.Values(matrices * s * e, 2), Batch, HeadCount, s, e).To(dtype);
            var value = Heads(ReferenceData.Values(matrices * s * ev, 3), s, ev, dtype);
            var grad = Tensor.FromArray(ReferenceData.Values(matrices * l * ev, 4), Batch, HeadCount, l, ev).To(dtype);
            var expected = Reference(query.ToArray<double>(), key.ToArray<double>(), value.ToArray<double>(), grad.ToArray<double>(), matrices, l, s, e, ev, scale, causal);
            double tolerance = dtype == DType.Float32 ? 1e-5 : 1e-12;

            // the compiled path's calls
            var (output, logSumExp) = Library.ScaledDotProductAttention(query, key, value, causal, scale: null);
            ReferenceData.AssertClose(expected.O, output, tolerance);
            ReferenceData.AssertClose(expected.Lse, logSumExp, tolerance);
            var (dq, dk, dv) = Library.ScaledDotProductAttentionBackward(grad, query, key, value, output, logSumExp, causal, scale: null);
            ReferenceData.AssertClose(expected.Dq, dq, tolerance);
            ReferenceData.AssertClose(expected.Dk, dk, tolerance);
            ReferenceData.AssertClose(expected.Dv, dv, tolerance);

            // the eager op, through autograd
            var (q, k, v) = (query.Detach().RequiresGrad_(), key.Detach().RequiresGrad_(), value.Detach().RequiresGrad_());
            var eager = F.ScaledDotProductAttention(q, k, v, isCausal: causal);
            Assert.Equal("scaled_dot_product_attention", eager.GradFn!.Name);
            ReferenceData.AssertClose(expected.O, eager, tolerance);
            eager.Backward(grad);
            ReferenceData.AssertClose(expected.Dq, q.Grad!, tolerance);
            ReferenceData.AssertClose(expected.Dk, k.Grad!, tolerance);
            ReferenceData.AssertClose(expected.Dv, v.Grad!, tolerance);
        }
    }

    [Fact]
    public void Output_and_gradients_take_the_layout_of_their_operands_so_merging_heads_is_a_view()
    {
        var query = Tensor.Randn(2, 5, 3, 8).Transpose(1, 2);
        var key = Tensor.Randn(2, 3, 5, 8);
        var (output, logSumExp) = Library.ScaledDotProductAttention(query, key, key, isCausal: true, scale: 0.3);

        Assert.Equal([2, 3, 5], logSumExp.ShapeArray());
        Assert.True(output.Transpose(1, 2).IsContiguous);
        var (dq, dk, _) = Library.ScaledDotProductAttentionBackward(Tensor.Ones(2, 3, 5, 8), query, key, key, output, logSumExp, isCausal: true, scale: 0.3);
        Assert.True(dq.Transpose(1, 2).IsContiguous);
        Assert.True(dk.IsContiguous);
    }

    [Fact]
    public void Broadcast_batch_dims_and_masks_take_the_composed_path_and_bad_shapes_name_the_op()
    {
        // key and value shared by every batch element: matmul broadcasts, the fused kernel does not
        var query = Tensor.Randn(3, 4, 8).RequiresGrad_();
        var key = Tensor.Randn(1, 6, 8);
        Assert.Equal([3, 4, 8], F.ScaledDotProductAttention(query, key, key).ShapeArray());

        var error = Assert.Throws<ArgumentException>(() => Library.ScaledDotProductAttention(query, key, key, isCausal: false, scale: null));
        Assert.StartsWith("scaled_dot_product_attention: expected query [.., L, E], key [.., S, E] and value [.., S, Ev] with the same batch dims", error.Message);
        Assert.Contains("query [3, 4, 8] (float32), key [1, 6, 8] (float32)", error.Message);
    }
    [Fact]
    public void Empty_queries_or_keys_give_empty_or_zero_outputs_as_the_composed_ops_do()
    {
        // no keys: every row attends to nothing; matmul over an empty dim gives zeros, and so does the kernel
        var query = Tensor.Randn(2, 3, 4).RequiresGrad_();
        var noKeys = Tensor.Zeros(2, 0, 4).RequiresGrad_();
        var output = F.ScaledDotProductAttention(query, noKeys, Tensor.Zeros(2, 0, 5), isCausal: true);
        Assert.Equal([2, 3, 5], output.ShapeArray());
        Assert.All(output.ToArray<double>(), v => Assert.Equal(0, v));
        output.Sum().Backward();
        Assert.All(query.Grad!.ToArray<double>(), v => Assert.Equal(0, v));

        var (noQueries, logSumExp) = Library.ScaledDotProductAttention(Tensor.Zeros(2, 0, 4), noKeys, noKeys, isCausal: false, scale: null);
        Assert.Equal([2, 0, 4], noQueries.ShapeArray());
        Assert.Equal([2, 0], logSumExp.ShapeArray());
    }
}
