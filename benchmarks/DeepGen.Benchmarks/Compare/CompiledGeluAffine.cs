namespace DeepGen.Benchmarks.Compare;

/// <summary>
/// The peer's <c>eltwise.vector</c> chain, gelu(x * a + b) with a and b broadcast along the rows, as a [Model]
/// the generator compiles into one fused pass, for <c>eltwise.compiled.*</c>.
/// </summary>
[Model]
public sealed partial class CompiledGeluAffine : Module, ITensorModule
{
    // created here so that the generator knows their shapes (like the peer's torch.randn(C))
    [Buffer] readonly Tensor scale = Tensor.Randn(4096);
    [Buffer] readonly Tensor shift = Tensor.Randn(4096);

    public Tensor Forward([Shape("R, 4096")] Tensor x) => F.Gelu(x * scale + shift);
}

/// <summary>The peer's <c>eltwise.scalar</c> chain, gelu(x * 1.5 + 0.25), compiled.</summary>
[Model]
public sealed partial class CompiledGeluScalar : Module, ITensorModule
{
    public Tensor Forward([Shape("R, 4096")] Tensor x) => F.Gelu(x * 1.5 + 0.25);
}
