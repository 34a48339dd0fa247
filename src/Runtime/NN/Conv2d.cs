namespace DeepGen;

/// <summary>2-D convolution over [N, C, H, W] (PyTorch's <c>nn.Conv2d</c>, with its default initialisation).</summary>
public sealed class Conv2d : Module, ITensorModule
{
    public Conv2d(int inChannels, int outChannels, int kernelSize, int stride = 1, int padding = 0, int dilation = 1, int groups = 1, bool bias = true, DType dtype = DType.Float32)
        : this(inChannels, outChannels, (kernelSize, kernelSize), (stride, stride), (padding, padding), (dilation, dilation), groups, bias, dtype)
    {
    }

    public Conv2d(int inChannels, int outChannels, (int H, int W) kernelSize, (int H, int W) stride, (int H, int W) padding, (int H, int W) dilation,
        int groups = 1, bool bias = true, DType dtype = DType.Float32)
    {
        if (groups <= 0 || inChannels % groups != 0 || outChannels % groups != 0)
            throw new ArgumentException($"Conv2d: in_channels ({inChannels}) and out_channels ({outChannels}) must be divisible by groups ({groups})");
        InChannels = inChannels;
        OutChannels = outChannels;
        KernelSize = kernelSize;
        StrideSize = stride;
        Padding = padding;
        Dilation = dilation;
        Groups = groups;
        Weight = Tensor.Zeros([outChannels, inChannels / groups, kernelSize.H, kernelSize.W], dtype).RequiresGrad_();
        Init.KaimingUniform_(Weight, a: Math.Sqrt(5));
        if (bias)
        {
            Bias = Tensor.Zeros([outChannels], dtype).RequiresGrad_();
            int fanIn = Init.CalculateFanInAndFanOut(Weight).FanIn;
            double bound = fanIn > 0 ? 1 / Math.Sqrt(fanIn) : 0;
            Init.Uniform_(Bias, -bound, bound);
        }
    }

    public int InChannels { get; }
    public int OutChannels { get; }
    public (int H, int W) KernelSize { get; }
    public (int H, int W) StrideSize { get; }
    public (int H, int W) Padding { get; }
    public (int H, int W) Dilation { get; }
    public int Groups { get; }
    public Tensor Weight { get; }
    public Tensor? Bias { get; }

    public Tensor Forward(Tensor input) => F.Conv2d(input, Weight, Bias, StrideSize, Padding, Dilation, Groups);

    protected internal override void VisitMembers(IModuleVisitor visitor)
    {
        visitor.Parameter("weight", Weight);
        visitor.Parameter("bias", Bias);
    }

    protected override string ExtraRepr()
    {
        var text = $"{InChannels}, {OutChannels}, kernel_size=({KernelSize.H}, {KernelSize.W}), stride=({StrideSize.H}, {StrideSize.W})";
        if (Padding != (0, 0)) text += $", padding=({Padding.H}, {Padding.W})";
        if (Dilation != (1, 1)) text += $", dilation=({Dilation.H}, {Dilation.W})";
        if (Groups != 1) text += $", groups={Groups}";
        if (Bias is null) text += ", bias=False";
        return text;
    }
}
