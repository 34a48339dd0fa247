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

        int l = query.Size(-2), s = key.Size(-2);
        var scores = query.MatMul(key.MT) * (scale ?? 1.0 / Math.Sqrt(query.Size(-1)));
        if (isCausal)
            scores = scores.MaskedFill(MultiheadAttention.CausalMask(l, s), double.NegativeInfinity);
        else if (attnMask is not null)
            scores = attnMask.DType == DType.Bool ? scores.MaskedFill(attnMask.LogicalNot(), double.NegativeInfinity) : scores + attnMask;
        var weights = scores.Softmax(-1);
        if (dropoutP > 0)
            weights = Dropout(weights, dropoutP, training: true, generator);
        return weights.MatMul(value);
    }
}
