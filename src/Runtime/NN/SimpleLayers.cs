namespace DeepGen;

/// <summary>Merges dims startDim..endDim (PyTorch's <c>nn.Flatten</c>, which keeps the batch dim by default).</summary>
public sealed class Flatten(int startDim = 1, int endDim = -1) : Module, ITensorModule
{
    public Tensor Forward(Tensor input) => input.Flatten(startDim, endDim);

    protected internal override void VisitMembers(IModuleVisitor visitor) { }

    protected override string ExtraRepr() => $"start_dim={startDim}, end_dim={endDim}";
}

/// <summary>Zeroes elements with probability p in training and scales the rest by 1/(1-p) (PyTorch's <c>nn.Dropout</c>).</summary>
public sealed class Dropout : Module, ITensorModule
{
    public Dropout(double p = 0.5)
    {
        if (p < 0 || p > 1) throw new ArgumentException($"Dropout: probability has to be between 0 and 1, but got {p}");
        P = p;
    }

    public double P { get; }

    public Tensor Forward(Tensor input) => F.Dropout(input, P, Training);

    protected internal override void VisitMembers(IModuleVisitor visitor) { }

    protected override string ExtraRepr() => $"p={PythonRepr.Float(P)}";
}

/// <summary>A lookup table of embeddings, N(0, 1) initialised (PyTorch's <c>nn.Embedding</c>).</summary>
public sealed class Embedding : Module, ITensorModule
{
    public Embedding(int numEmbeddings, int embeddingDim, long? paddingIdx = null, DType dtype = DType.Float32)
    {
        if (paddingIdx is { } p && (p >= numEmbeddings || p < -numEmbeddings))
            throw new ArgumentException($"Embedding: padding_idx {p} must be within num_embeddings ({numEmbeddings})");
        NumEmbeddings = numEmbeddings;
        EmbeddingDim = embeddingDim;
        PaddingIdx = paddingIdx is { } q && q < 0 ? q + numEmbeddings : paddingIdx;
        Weight = Tensor.Zeros([numEmbeddings, embeddingDim], dtype).RequiresGrad_();
        Init.Normal_(Weight);
        if (PaddingIdx is { } row)
            using (Torch.NoGrad()) Weight.Select(0, (int)row).Zero_();
    }

    public int NumEmbeddings { get; }
    public int EmbeddingDim { get; }
    public long? PaddingIdx { get; }
    public Tensor Weight { get; }

    public Tensor Forward(Tensor input) => F.Embedding(input, Weight, PaddingIdx);

    protected internal override void VisitMembers(IModuleVisitor visitor) => visitor.Parameter("weight", Weight);

    protected override string ExtraRepr() => $"{NumEmbeddings}, {EmbeddingDim}" + (PaddingIdx is { } p ? $", padding_idx={p}" : "");
}

/// <summary>Layer normalisation over the trailing dims (PyTorch's <c>nn.LayerNorm</c>).</summary>
public sealed class LayerNorm : Module, ITensorModule
{
    public LayerNorm(int[] normalizedShape, double eps = 1e-5, bool elementwiseAffine = true, bool bias = true, DType dtype = DType.Float32)
    {
        NormalizedShape = (int[])normalizedShape.Clone();
        Eps = eps;
        if (elementwiseAffine)
        {
            Weight = Tensor.Ones(NormalizedShape, dtype).RequiresGrad_();
            if (bias) Bias = Tensor.Zeros(NormalizedShape, dtype).RequiresGrad_();
        }
    }

    public LayerNorm(int normalizedShape, double eps = 1e-5, bool elementwiseAffine = true, bool bias = true, DType dtype = DType.Float32)
        : this([normalizedShape], eps, elementwiseAffine, bias, dtype)
    {
    }

    public int[] NormalizedShape { get; }
    public double Eps { get; }
    public Tensor? Weight { get; }
    public Tensor? Bias { get; }

    public Tensor Forward(Tensor input) => F.LayerNorm(input, NormalizedShape, Weight, Bias, Eps);

    protected internal override void VisitMembers(IModuleVisitor visitor)
    {
        visitor.Parameter("weight", Weight);
        visitor.Parameter("bias", Bias);
    }

    protected override string ExtraRepr() =>
        $"({string.Join(", ", NormalizedShape)},), eps={PythonRepr.Float(Eps)}, elementwise_affine={PythonRepr.Bool(Weight is not null)}";
}

/// <summary>max(0, x).</summary>
public sealed class ReLU : Module, ITensorModule
{
    public Tensor Forward(Tensor input) => F.Relu(input);

    protected internal override void VisitMembers(IModuleVisitor visitor) { }
}

/// <summary>GELU, exact ("none") or with the tanh approximation ("tanh").</summary>
public sealed class GELU(string approximate = "none") : Module, ITensorModule
{
    public string Approximate { get; } = approximate is "none" or "tanh" ? approximate
        : throw new ArgumentException($"GELU: approximate must be \"none\" or \"tanh\", got \"{approximate}\"");

    public Tensor Forward(Tensor input) => F.Gelu(input, Approximate);

    protected internal override void VisitMembers(IModuleVisitor visitor) { }

    protected override string ExtraRepr() => Approximate == "none" ? "" : $"approximate='{Approximate}'";
}

/// <summary>x * sigmoid(x).</summary>
public sealed class SiLU : Module, ITensorModule
{
    public Tensor Forward(Tensor input) => F.Silu(input);

    protected internal override void VisitMembers(IModuleVisitor visitor) { }
}

public sealed class Tanh : Module, ITensorModule
{
    public Tensor Forward(Tensor input) => F.Tanh(input);

    protected internal override void VisitMembers(IModuleVisitor visitor) { }
}

public sealed class Sigmoid : Module, ITensorModule
{
    public Tensor Forward(Tensor input) => F.Sigmoid(input);

    protected internal override void VisitMembers(IModuleVisitor visitor) { }
}
