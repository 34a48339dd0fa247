namespace DeepGen.Tests;

public class AttentionTests
{
    /// <summary>softmax(q k^T * scale (+ mask)) v with plain loops, per batch b and row i.</summary>
    private static double[] Reference(double[] q, double[] k, double[] v, int batches, int l, int s, int e, int ev, double scale, Func<int, int, double> mask)
    {
        var output = new double[batches * l * ev];
        for (int b = 0; b < batches; b++)
        for (int i = 0; i < l; i++)
        {
            var scores = new double[s];
            for (int j = 0; j < s; j++)
            {
                double dot = 0;
                for (int t = 0; t < e; t++) dot += q[((b * l + i) * e) + t] * k[((b * s + j) * e) + t];
                scores[j] = dot * scale + mask(i, j);
            }
            double max = scores.Max();
            double sum = scores.Sum(x => Math.Exp(x - max));
            for (int j = 0; j < s; j++)
            {
                double p = Math.Exp(scores[j] - max) / sum;
                for (int t = 0; t < ev; t++) output[((b * l + i) * ev) + t] += p * v[((b * s + j) * ev) + t];
            }
        }
        return output;
    }

    [Theory]
    [InlineData(1, 1, 1, 1, 1, false)]
    [InlineData(2, 7, 5, 3, 4, false)]
    [InlineData(3, 7, 7, 8, 2, true)]
    [InlineData(1, 33, 33, 16, 16, true)]
    public void Matches_plain_loops(int batches, int l, int s, int e, int ev, bool causal)
    {
        foreach (DType dtype in ReferenceData.FloatTypes)
        {
            var (q, qs) = ReferenceData.Make(ReferenceData.Values(batches * l * e, 1), [batches, l, e], dtype);
            var (k, ks) = ReferenceData.Make(ReferenceData.Values(batches * s * e, 2), [batches, s, e], dtype);
            var (v, vs) = ReferenceData.Make(ReferenceData.Values(batches * s * ev, 3), [batches, s, ev], dtype);

            Tensor actual = F.ScaledDotProductAttention(q, k, v, isCausal: causal);

            double[] expected = Reference(qs, ks, vs, batches, l, s, e, ev, 1 / Math.Sqrt(e), (i, j) => causal && j > i ? double.NegativeInfinity : 0);
            Assert.Equal([batches, l, ev], actual.Shape.ToArray());
            ReferenceData.AssertClose(expected, actual, ReferenceData.Tolerance(dtype) * 10);
        }
    }

    [Fact]
    public void Bool_masks_say_where_attention_may_go_and_float_masks_are_added()
    {
        var (q, qs) = ReferenceData.Make(ReferenceData.Values(2 * 3 * 4, 4), [2, 3, 4], DType.Float64);
        var (k, ks) = ReferenceData.Make(ReferenceData.Values(2 * 5 * 4, 5), [2, 5, 4], DType.Float64);
        var (v, vs) = ReferenceData.Make(ReferenceData.Values(2 * 5 * 2, 6), [2, 5, 2], DType.Float64);
        bool[] allowed = [true, false, true, true, false, true, true, false, false, true, false, true, true, true, true];
        double[] additive = ReferenceData.Values(15, 7);

        Tensor masked = F.ScaledDotProductAttention(q, k, v, Tensor.FromArray(allowed, 3, 5), scale: 0.7);
        Tensor added = F.ScaledDotProductAttention(q, k, v, Tensor.FromArray(additive, 3, 5), scale: 0.7);

        ReferenceData.AssertClose(Reference(qs, ks, vs, 2, 3, 5, 4, 2, 0.7, (i, j) => allowed[i * 5 + j] ? 0 : double.NegativeInfinity), masked, 1e-12);
        ReferenceData.AssertClose(Reference(qs, ks, vs, 2, 3, 5, 4, 2, 0.7, (i, j) => additive[i * 5 + j]), added, 1e-12);
    }

    [Fact]
    public void Gradients_match_finite_differences()
    {
        GradCheck.Check(t => F.ScaledDotProductAttention(t[0], t[1], t[2], isCausal: true), GradCheck.Leaf(2, 3, 4), GradCheck.Leaf(2, 3, 4), GradCheck.Leaf(2, 3, 5));
        // Heads as a view: [B, T, H*d] -> [B, H, T, d] through reshape and transpose.
        GradCheck.Check(
            t => F.ScaledDotProductAttention(Heads(t[0]), Heads(t[1]), Heads(t[2]), scale: 0.4),
            GradCheck.Leaf(2, 3, 4), GradCheck.Leaf(2, 5, 4), GradCheck.Leaf(2, 5, 4));

        static Tensor Heads(Tensor x) => x.Reshape(2, x.Size(1), 2, 2).Transpose(1, 2);
    }

    [Fact]
    public void Mismatched_shapes_name_all_three()
    {
        var error = Assert.Throws<ArgumentException>(() =>
            F.ScaledDotProductAttention(Tensor.Zeros(2, 3, 4), Tensor.Zeros(2, 5, 3), Tensor.Zeros(2, 5, 2)));

        Assert.Equal("scaled_dot_product_attention: expected query [.., L, E], key [.., S, E] and value [.., S, Ev]: query [2, 3, 4], key [2, 5, 3], value [2, 5, 2]", error.Message);
        Assert.StartsWith("scaled_dot_product_attention: pass either attn_mask or is_causal",
            Assert.Throws<ArgumentException>(() => F.ScaledDotProductAttention(Tensor.Zeros(1, 2), Tensor.Zeros(1, 2), Tensor.Zeros(1, 2), Tensor.Zeros(1, 1), isCausal: true)).Message);
    }
}
