using DeepGen.Autograd;
using DeepGen.Kernels;

namespace DeepGen;

// torch.nn.functional.scaled_dot_product_attention.
public static partial class F
{
    /// <summary>
    /// softmax(query @ key^T * scale + mask) @ value, as PyTorch's <c>scaled_dot_product_attention</c>:
    /// query [.., L, E], key [.., S, E], value [.., S, Ev] -> [.., L, Ev]. <paramref name="attnMask"/> is bool
    /// (true = may attend, as in PyTorch's SDPA; the opposite of MultiheadAttention's convention) or float
    /// (added to the scores), broadcastable to [.., L, S]. <paramref name="isCausal"/>: position i attends to
    /// j &lt;= i. <paramref name="scale"/> defaults to 1/sqrt(E). Dropout with probability
    /// <paramref name="dropoutP"/> is applied to the attention weights whenever it is above 0.
    /// Without a mask tensor or dropout, and with query, key and value of one floating dtype and the same
    /// batch dims, this runs the fused blocked kernel (the one compiled models call), which never stores the
    /// [L, S] weights; otherwise it is composed of matmul, mask, softmax and matmul.
    /// </summary>
    public static Tensor ScaledDotProductAttention(Tensor query, Tensor key, Tensor value, Tensor? attnMask = null,
        double dropoutP = 0, bool isCausal = false, double? scale = null, Generator? generator = null)
    {
        const string op = "scaled_dot_product_attention";
        int r = query.Rank;
        if (r < 2 || key.Rank != r || value.Rank != r)
            throw new ArgumentException($"{op}: query, key and value need the same rank, at least 2: query {Shapes.Format(query.Shape)}, key {Shapes.Format(key.Shape)}, value {Shapes.Format(value.Shape)}");
        if (query.Size(-1) != key.Size(-1) || key.Size(-2) != value.Size(-2))
            throw new ArgumentException($"{op}: expected query [.., L, E], key [.., S, E] and value [.., S, Ev]: query {Shapes.Format(query.Shape)}, key {Shapes.Format(key.Shape)}, value {Shapes.Format(value.Shape)}");
        if (isCausal && attnMask is not null)
            throw new ArgumentException($"{op}: pass either attn_mask or is_causal, not both");

        double s = scale ?? 1.0 / Math.Sqrt(query.Size(-1));
        if (attnMask is null && dropoutP == 0 && FusedAttention.Applies(query, key, value))
            return FusedAttentionWithGrad(query, key, value, isCausal, s);

        int l = query.Size(-2), sourceLength = key.Size(-2);
        var scores = query.MatMul(key.MT) * s;
        if (isCausal)
            scores = scores.MaskedFill(MultiheadAttention.CausalMask(l, sourceLength), double.NegativeInfinity);
        else if (attnMask is not null)
            scores = attnMask.DType == DType.Bool ? scores.MaskedFill(attnMask.LogicalNot(), double.NegativeInfinity) : scores + attnMask;
        var weights = scores.Softmax(-1);
        if (dropoutP > 0)
            weights = Dropout(weights, dropoutP, training: true, generator);
        return weights.MatMul(value);
    }

    /// <summary>The fused kernel, recording one autograd node whose backward rebuilds the weights from the saved log-sum-exp.</summary>
    static Tensor FusedAttentionWithGrad(Tensor query, Tensor key, Tensor value, bool causal, double scale)
    {
        var (output, logSumExp) = FusedAttention.Forward(query, key, value, causal, scale);
        if (GradMode.ShouldRecord([query, key, value]))
        {
            var node = new Node("scaled_dot_product_attention", query, key, value);
            var saved = new[] { node.Save(query), node.Save(key), node.Save(value), node.Save(output), node.Save(logSumExp) };
            node.SetBackward(g =>
            {
                var (dq, dk, dv) = FusedAttention.Backward(g, saved[0].Get(), saved[1].Get(), saved[2].Get(), saved[3].Get(), saved[4].Get(), causal, scale);
                return [dq, dk, dv];
            });
            output.WithGradFn(node);
        }
        return output;
    }
}
