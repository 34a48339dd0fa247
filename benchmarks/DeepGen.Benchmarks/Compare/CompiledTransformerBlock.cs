namespace DeepGen.Benchmarks.Compare;

/// <summary>
/// The benchmark's pre-LN transformer block (d 256, 4 heads, MLP 1024, GELU, causal attention) as a
/// [Model], compiled by the generator: LayerNorm, q/k/v projections split into heads, fused causal
/// attention, output projection and residual, then LayerNorm, MLP with GELU and residual. Also compiled
/// into tests/Runtime.Tests, whose CompiledVsEagerTests check it against its own eager Forward.
/// </summary>
[Model]
public sealed partial class CompiledTransformerBlock : Module, ITensorModule
{
    const int D = 256, Heads = 4, HeadDim = D / Heads, Hidden = 1024;

    readonly LayerNorm ln1 = new(D);
    readonly Linear query = new(D, D), key = new(D, D), value = new(D, D);
    readonly Linear proj = new(D, D);
    readonly LayerNorm ln2 = new(D);
    readonly Linear fc = new(D, Hidden);
    readonly Linear fcOut = new(Hidden, D);

    public Tensor Forward([Shape("B, T, 256")] Tensor x)
    {
        x = x + Attention(ln1.Forward(x));
        return x + fcOut.Forward(F.Gelu(fc.Forward(ln2.Forward(x))));
    }

    Tensor Attention(Tensor x)
    {
        int b = x.Size(0), t = x.Size(1);
        var q = query.Forward(x).View(b, t, Heads, HeadDim).Transpose(1, 2);   // [B, H, T, Dh]
        var k = key.Forward(x).View(b, t, Heads, HeadDim).Transpose(1, 2);
        var v = value.Forward(x).View(b, t, Heads, HeadDim).Transpose(1, 2);
        var o = F.ScaledDotProductAttention(q, k, v, isCausal: true);
        return proj.Forward(o.Transpose(1, 2).Reshape(b, t, D));
    }
}
