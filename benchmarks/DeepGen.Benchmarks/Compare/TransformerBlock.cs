namespace DeepGen.Benchmarks.Compare;

/// <summary>
/// The peer's pre-LN transformer block (d 256, 4 heads, MLP 1024, T 128, batch 8) with attention written
/// out (matmul, causal mask, softmax, matmul): the peer's "manual" variant. DeepGen has no fused
/// scaled-dot-product attention, so the peer's "sdpa" figures have no counterpart here.
/// </summary>
internal sealed class TransformerBlock
{
    const int D = 256, H = 4, Dh = D / H, Dff = 1024, Batch = 8, T = 128;
    static readonly int[] NormShape = [D];

    readonly Tensor ln1w, ln1b, wqkv, bqkv, wo, bo, ln2w, ln2b, w1, b1, w2, b2;
    readonly Tensor[] parameters;

    TransformerBlock()
    {
        static Tensor Weight(int rows, int cols) => (Tensor.Randn(rows, cols) * 0.02).Detach().RequiresGrad_();
        static Tensor Ones(int n) => Tensor.Ones(n).RequiresGrad_();
        static Tensor Zeros(int n) => Tensor.Zeros(n).RequiresGrad_();
        ln1w = Ones(D); ln1b = Zeros(D);
        wqkv = Weight(3 * D, D); bqkv = Zeros(3 * D);
        wo = Weight(D, D); bo = Zeros(D);
        ln2w = Ones(D); ln2b = Zeros(D);
        w1 = Weight(Dff, D); b1 = Zeros(Dff);
        w2 = Weight(D, Dff); b2 = Zeros(D);
        parameters = [ln1w, ln1b, wqkv, bqkv, wo, bo, ln2w, ln2b, w1, b1, w2, b2];
    }

    Tensor Forward(Tensor x, Tensor causalMask)
    {
        var h = F.LayerNorm(x, NormShape, ln1w, ln1b);
        var qkv = F.Linear(h, wqkv, bqkv).View(Batch, T, 3, H, Dh).Permute(2, 0, 3, 1, 4); // [3,B,H,T,Dh]
        var q = qkv.Select(0, 0);
        var k = qkv.Select(0, 1);
        var v = qkv.Select(0, 2);
        var att = q.MatMul(k.Transpose(-2, -1)) * (1.0 / Math.Sqrt(Dh));
        att = F.Softmax(att.MaskedFill(causalMask, double.NegativeInfinity), -1);
        var o = att.MatMul(v).Transpose(1, 2).Reshape(Batch, T, D);
        var x2 = x + F.Linear(o, wo, bo);
        var h2 = F.LayerNorm(x2, NormShape, ln2w, ln2b);
        return x2 + F.Linear(F.Gelu(F.Linear(h2, w1, b1)), w2, b2);
    }

    public static void Run(Harness h)
    {
        var block = new TransformerBlock();
        var positions = Tensor.Arange(T);
        var mask = positions.Unsqueeze(0).Gt(positions.Unsqueeze(1)); // true above the diagonal = masked
        var x = Tensor.Randn(Batch, T, D);
        var xg = Tensor.Randn(Batch, T, D).RequiresGrad_();
        var gy = Tensor.Randn(Batch, T, D);
        using (Torch.NoGrad())
            Harness.EmitMs("transformer.manual.fwd", h.Time(() => block.Forward(x, mask)));
        Harness.EmitMs("transformer.manual.fwdbwd", h.Time(() =>
        {
            xg.Grad = null;
            foreach (var p in block.parameters) p.Grad = null;
            block.Forward(xg, mask).Backward(gy);
        }));
        Harness.Note("transformer.sdpa.*: not run (DeepGen has no fused scaled_dot_product_attention)");
    }
}
