using DeepGen.Compiled;

namespace DeepGen.Benchmarks.Compare;

/// <summary>
/// The peer's pre-LN transformer block (d 256, 4 heads, MLP 1024, T 128, batch 8), eager, in the peer's two
/// variants: "manual" writes attention out (matmul, causal mask, softmax, matmul), "sdpa" calls
/// <see cref="F.ScaledDotProductAttention"/> (the fused kernel). <see cref="RunCompiled"/> times the same block
/// as a compiled [Model] (<see cref="CompiledTransformerBlock"/>), in a group of its own so that its process's
/// peak memory is its own.
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

    Tensor Forward(Tensor x, Tensor causalMask, bool sdpa)
    {
        var h = F.LayerNorm(x, NormShape, ln1w, ln1b);
        var qkv = F.Linear(h, wqkv, bqkv).View(Batch, T, 3, H, Dh).Permute(2, 0, 3, 1, 4); // [3,B,H,T,Dh]
        var q = qkv.Select(0, 0);
        var k = qkv.Select(0, 1);
        var v = qkv.Select(0, 2);
        Tensor o;
        if (sdpa)
            o = F.ScaledDotProductAttention(q, k, v, isCausal: true);
        else
        {
            var att = q.MatMul(k.Transpose(-2, -1)) * (1.0 / Math.Sqrt(Dh));
            att = F.Softmax(att.MaskedFill(causalMask, double.NegativeInfinity), -1);
            o = att.MatMul(v);
        }
        o = o.Transpose(1, 2).Reshape(Batch, T, D);
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
        foreach (var (label, sdpa) in new[] { ("manual", false), ("sdpa", true) })
        {
            using (Torch.NoGrad())
                Harness.EmitMs($"transformer.{label}.fwd", h.Time(() => block.Forward(x, mask, sdpa)));
            Action step = () =>
            {
                ClearGrads(xg, block.parameters);
                block.Forward(xg, mask, sdpa).Backward(gy);
            };
            Harness.EmitMs($"transformer.{label}.fwdbwd", h.Time(step));
            StepMemory.Emit($"transformer.{label}", () => { ClearGrads(xg, block.parameters); return block.Forward(xg, mask, sdpa); }, y => y.Backward(gy));

            // the same step inside a dispose scope: its buffers go back to the pool for the next step
            var scoped = Harness.Scoped(step);
            Harness.EmitMs($"transformer.{label}.scoped.fwdbwd", h.Time(scoped));
            StepMemory.EmitAllocated($"transformer.{label}.scoped", scoped);
        }
    }

    /// <summary>
    /// <c>transformer.compiled.*</c>: the block compiled by the generator, called through its generated
    /// <c>ITensorModule.Forward</c> with <see cref="CompiledDispatch.ThrowOnFallback"/> set, so a run that
    /// would fall back to eager fails instead of timing the eager path.
    /// </summary>
    public static void RunCompiled(Harness h)
    {
        var block = new CompiledTransformerBlock();
        ITensorModule compiled = block;
        var parameters = block.Parameters().ToArray();
        var x = Tensor.Randn(Batch, T, D);
        var xg = Tensor.Randn(Batch, T, D).RequiresGrad_();
        var gy = Tensor.Randn(Batch, T, D);
        CompiledDispatch.ThrowOnFallback = true;
        try
        {
            long calls = CompiledDispatch.CompiledCalls;
            string node = compiled.Forward(xg).GradFn?.Name ?? "none";
            if (CompiledDispatch.CompiledCalls != calls + 1 || node != "CompiledTransformerBlock.CompiledBackward")
                throw new InvalidOperationException($"transformer.compiled: the block did not run compiled (gradient node {node})");
            // the generated methods are this group's own code: give the JIT's tiering its 30 calls before timing
            // (the harness's 300 ms warm-up is 3 steps; the eager groups share kernels warmed by earlier figures)
            Action step = () =>
            {
                ClearGrads(xg, parameters);
                compiled.Forward(xg).Backward(gy);
            };
            Harness.WarmUp(step);
            using (Torch.NoGrad())
            {
                // without gradients the block runs its no-grad forward, whose kernels the warm-up above did not call
                Harness.WarmUp(() => compiled.Forward(x));
                Harness.EmitMs("transformer.compiled.fwd", h.Time(() => compiled.Forward(x)));
            }
            Harness.EmitMs("transformer.compiled.fwdbwd", h.Time(step));
            StepMemory.Emit("transformer.compiled", () => { ClearGrads(xg, parameters); return compiled.Forward(xg); }, y => y.Backward(gy));

            // the same step inside a dispose scope: what the compiled code does not recycle itself goes back too
            var scoped = Harness.Scoped(step);
            Harness.EmitMs("transformer.compiled.scoped.fwdbwd", h.Time(scoped));
            StepMemory.EmitAllocated("transformer.compiled.scoped", scoped);
        }
        finally
        {
            CompiledDispatch.ThrowOnFallback = false;
        }
    }

    static void ClearGrads(Tensor input, Tensor[] parameters)
    {
        input.Grad = null;
        foreach (var p in parameters) p.Grad = null;
    }
}
