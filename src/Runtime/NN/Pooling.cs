namespace DeepGen;

/// <summary>Max pooling over [N, C, H, W] (PyTorch's <c>nn.MaxPool2d</c>; stride defaults to the kernel size).</summary>
public sealed class MaxPool2d(int kernelSize, int? stride = null, int padding = 0, int dilation = 1, bool ceilMode = false) : Module, ITensorModule
{
    public int KernelSize { get; } = kernelSize;
    public int Stride { get; } = stride ?? kernelSize;
    public int Padding { get; } = padding;
    public int Dilation { get; } = dilation;
    public bool CeilMode { get; } = ceilMode;

    public Tensor Forward(Tensor input) => F.MaxPool2d(input, KernelSize, Stride, Padding, Dilation, CeilMode);

    protected internal override void VisitMembers(IModuleVisitor visitor) { }

    protected override string ExtraRepr() =>
        $"kernel_size={KernelSize}, stride={Stride}, padding={Padding}, dilation={Dilation}, ceil_mode={PythonRepr.Bool(CeilMode)}";
}

/// <summary>Average pooling over [N, C, H, W] (PyTorch's <c>nn.AvgPool2d</c>).</summary>
public sealed class AvgPool2d(int kernelSize, int? stride = null, int padding = 0, bool ceilMode = false, bool countIncludePad = true) : Module, ITensorModule
{
    public int KernelSize { get; } = kernelSize;
    public int Stride { get; } = stride ?? kernelSize;
    public int Padding { get; } = padding;
    public bool CeilMode { get; } = ceilMode;
    public bool CountIncludePad { get; } = countIncludePad;

    public Tensor Forward(Tensor input) => F.AvgPool2d(input, KernelSize, Stride, Padding, CeilMode, CountIncludePad);

    protected internal override void VisitMembers(IModuleVisitor visitor) { }

    protected override string ExtraRepr() => $"kernel_size={KernelSize}, stride={Stride}, padding={Padding}";
}
