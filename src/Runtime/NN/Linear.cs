namespace DeepGen;

/// <summary>y = x Wᵀ + b (PyTorch's <c>nn.Linear</c>, with its default initialisation).</summary>
public sealed class Linear : Module, ITensorModule
{
    public Linear(int inFeatures, int outFeatures, bool bias = true, DType dtype = DType.Float32)
    {
        if (inFeatures < 0 || outFeatures < 0)
            throw new ArgumentException($"Linear: feature counts must be non-negative, got in_features={inFeatures}, out_features={outFeatures}");
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        Weight = Tensor.Zeros([outFeatures, inFeatures], dtype).RequiresGrad_();
        Init.KaimingUniform_(Weight, a: Math.Sqrt(5));
        if (bias)
        {
            Bias = Tensor.Zeros([outFeatures], dtype).RequiresGrad_();
            double bound = inFeatures > 0 ? 1 / Math.Sqrt(inFeatures) : 0;
            Init.Uniform_(Bias, -bound, bound);
        }
    }

    public int InFeatures { get; }
    public int OutFeatures { get; }
    public Tensor Weight { get; }
    public Tensor? Bias { get; }

    public Tensor Forward(Tensor input) => F.Linear(input, Weight, Bias);

    protected internal override void VisitMembers(IModuleVisitor visitor)
    {
        visitor.Parameter("weight", Weight);
        visitor.Parameter("bias", Bias);
    }

    protected override string ExtraRepr() => $"in_features={InFeatures}, out_features={OutFeatures}, bias={PythonRepr.Bool(Bias is not null)}";
}
