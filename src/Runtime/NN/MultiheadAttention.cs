namespace DeepGen;

/// <summary>
/// Multi-head scaled dot-product attention (PyTorch's <c>nn.MultiheadAttention</c>, same parameter names:
/// <c>in_proj_weight</c>, <c>in_proj_bias</c>, <c>out_proj.weight</c>, <c>out_proj.bias</c>). Inputs are
/// [L, B, E] (or [B, L, E] with batchFirst, or unbatched [L, E]).
/// </summary>
public sealed class MultiheadAttention : Module
{
    public MultiheadAttention(int embedDim, int numHeads, double dropout = 0, bool bias = true, bool batchFirst = false, DType dtype = DType.Float32)
    {
        if (numHeads <= 0 || embedDim % numHeads != 0)
            throw new ArgumentException($"MultiheadAttention: embed_dim ({embedDim}) must be divisible by num_heads ({numHeads})");
        EmbedDim = embedDim;
        NumHeads = numHeads;
        DropoutP = dropout;
        BatchFirst = batchFirst;
        InProjWeight = Tensor.Zeros([3 * embedDim, embedDim], dtype).RequiresGrad_();
        Init.XavierUniform_(InProjWeight);
        if (bias) InProjBias = Tensor.Zeros([3 * embedDim], dtype).RequiresGrad_();
        OutProj = new Linear(embedDim, embedDim, bias, dtype);
        if (OutProj.Bias is { } outBias) Init.Zeros_(outBias);
    }

    public int EmbedDim { get; }
    public int NumHeads { get; }
    public int HeadDim => EmbedDim / NumHeads;
    public double DropoutP { get; }
    public bool BatchFirst { get; }
    public Tensor InProjWeight { get; }
    public Tensor? InProjBias { get; }
    public Linear OutProj { get; }

    /// <summary>
    /// Attention of query over key/value. <paramref name="attnMask"/>: [L, S] or [B*heads, L, S], bool (true
    /// = may not attend) or float (added to the scores). <paramref name="keyPaddingMask"/>: bool [B, S], true
    /// for padding. <paramref name="isCausal"/> without a mask applies the causal mask (position i sees j &lt;= i).
    /// Returns the output and, when <paramref name="needWeights"/>, the attention weights [B, L, S]
    /// (averaged over heads unless <paramref name="averageAttnWeights"/> is false: [B, heads, L, S]).
    /// </summary>
    public (Tensor Output, Tensor? Weights) Forward(Tensor query, Tensor key, Tensor value, Tensor? keyPaddingMask = null,
        bool needWeights = true, Tensor? attnMask = null, bool averageAttnWeights = true, bool isCausal = false)
    {
        bool unbatched = query.Rank == 2;
        if (query.Rank is not (2 or 3) || key.Rank != query.Rank || value.Rank != query.Rank)
            throw new ArgumentException($"MultiheadAttention: query, key and value must all be 2-D or all 3-D, got {Shapes.Format(query.Shape)}, {Shapes.Format(key.Shape)}, {Shapes.Format(value.Shape)}");
        // work in [B, L, E]
        Tensor ToBatchFirst(Tensor t) => unbatched ? t.Unsqueeze(0) : BatchFirst ? t : t.Transpose(0, 1);
        var q = ToBatchFirst(query);
        var k = ToBatchFirst(key);
        var v = ToBatchFirst(value);
        if (q.Size(2) != EmbedDim || k.Size(2) != EmbedDim || v.Size(2) != EmbedDim)
            throw new ArgumentException($"MultiheadAttention: expected embedding dim {EmbedDim} in query {Shapes.Format(query.Shape)}, key {Shapes.Format(key.Shape)} and value {Shapes.Format(value.Shape)}");
        if (k.Size(0) != q.Size(0) || v.Size(0) != q.Size(0) || k.Size(1) != v.Size(1))
            throw new ArgumentException($"MultiheadAttention: batch or source lengths disagree: query {Shapes.Format(query.Shape)}, key {Shapes.Format(key.Shape)}, value {Shapes.Format(value.Shape)}");
        int batch = q.Size(0), targetLength = q.Size(1), sourceLength = k.Size(1), e = EmbedDim;

        Tensor Project(Tensor x, int part) =>
            F.Linear(x, InProjWeight.Narrow(0, part * e, e), InProjBias?.Narrow(0, part * e, e))
                .Reshape(batch, x.Size(1), NumHeads, HeadDim).Transpose(1, 2);
        var qh = Project(q, 0);
        var kh = Project(k, 1);
        var vh = Project(v, 2);

        var scores = qh.MatMul(kh.MT) * (1.0 / Math.Sqrt(HeadDim));  // [B, H, L, S]
        if (attnMask is null && isCausal) attnMask = CausalMask(targetLength, sourceLength);
        if (attnMask is not null) scores = ApplyMask(scores, attnMask, batch, targetLength, sourceLength);
        if (keyPaddingMask is not null)
        {
            var padding = unbatched ? keyPaddingMask.Unsqueeze(0) : keyPaddingMask;
            if (padding.Rank != 2 || padding.Size(0) != batch || padding.Size(1) != sourceLength)
                throw new ArgumentException($"MultiheadAttention: key_padding_mask must have shape [{batch}, {sourceLength}], got {Shapes.Format(keyPaddingMask.Shape)}");
            scores = scores.MaskedFill(padding.Bool().Reshape(batch, 1, 1, sourceLength), double.NegativeInfinity);
        }
        var weights = F.Softmax(scores, -1);
        var attended = F.Dropout(weights, DropoutP, Training).MatMul(vh);  // [B, H, L, d]
        var merged = attended.Transpose(1, 2).Reshape(batch, targetLength, e);
        var output = OutProj.Forward(merged);
        output = unbatched ? output.Squeeze(0) : BatchFirst ? output : output.Transpose(0, 1);

        Tensor? returned = null;
        if (needWeights)
        {
            returned = averageAttnWeights ? weights.Mean(1) : weights;
            if (unbatched) returned = returned.Squeeze(0);
        }
        return (output, returned);
    }

    /// <summary>A bool [L, S] mask that is true above the diagonal: position i may attend to j &lt;= i only.</summary>
    public static Tensor CausalMask(int targetLength, int sourceLength)
    {
        var mask = new bool[targetLength * sourceLength];
        for (int i = 0; i < targetLength; i++)
            for (int j = i + 1; j < sourceLength; j++) mask[i * sourceLength + j] = true;
        return Tensor.FromArray(mask, targetLength, sourceLength);
    }

    Tensor ApplyMask(Tensor scores, Tensor mask, int batch, int targetLength, int sourceLength)
    {
        Tensor shaped = mask.Rank switch
        {
            2 when mask.Size(0) == targetLength && mask.Size(1) == sourceLength => mask,
            3 when mask.Size(0) == batch * NumHeads && mask.Size(1) == targetLength && mask.Size(2) == sourceLength
                => mask.Reshape(batch, NumHeads, targetLength, sourceLength),
            _ => throw new ArgumentException(
                $"MultiheadAttention: attn_mask must have shape [{targetLength}, {sourceLength}] or [{batch * NumHeads}, {targetLength}, {sourceLength}], got {Shapes.Format(mask.Shape)}"),
        };
        return shaped.DType == DType.Bool ? scores.MaskedFill(shaped, double.NegativeInfinity) : scores + shaped;
    }

    protected internal override void VisitMembers(IModuleVisitor visitor)
    {
        visitor.Parameter("in_proj_weight", InProjWeight);
        visitor.Parameter("in_proj_bias", InProjBias);
        visitor.Module("out_proj", OutProj);
    }
}
