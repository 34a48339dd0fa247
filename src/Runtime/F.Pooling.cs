using System.Numerics;
using DeepGen.Autograd;
using DeepGen.Kernels;

namespace DeepGen;

// 2-D max, average and adaptive average pooling over [N, C, H, W] or [C, H, W] inputs.
public static partial class F
{
    /// <summary><c>torch.nn.functional.max_pool2d</c>; the gradient goes to the first maximum of each window.</summary>
    public static Tensor MaxPool2d(Tensor input, int kernelSize, int? stride = null, int padding = 0, int dilation = 1, bool ceilMode = false) =>
        MaxPool2d(input, (kernelSize, kernelSize), stride is { } s ? (s, s) : null, (padding, padding), (dilation, dilation), ceilMode);

    public static Tensor MaxPool2d(Tensor input, (int H, int W) kernelSize, (int H, int W)? stride = null, (int H, int W)? padding = null,
        (int H, int W)? dilation = null, bool ceilMode = false) =>
        MaxPool2dCore(input, kernelSize, stride, padding, dilation, ceilMode).Values;

    /// <summary>
    /// Max pooling that also returns, for each output, the flat index (ih * W + iw) within its input plane of
    /// the maximum, as int64 (PyTorch's <c>return_indices=True</c>).
    /// </summary>
    public static (Tensor Values, Tensor Indices) MaxPool2dWithIndices(Tensor input, int kernelSize, int? stride = null, int padding = 0,
        int dilation = 1, bool ceilMode = false) =>
        MaxPool2dWithIndices(input, (kernelSize, kernelSize), stride is { } s ? (s, s) : null, (padding, padding), (dilation, dilation), ceilMode);

    public static (Tensor Values, Tensor Indices) MaxPool2dWithIndices(Tensor input, (int H, int W) kernelSize, (int H, int W)? stride = null,
        (int H, int W)? padding = null, (int H, int W)? dilation = null, bool ceilMode = false)
    {
        var (values, indices) = MaxPool2dCore(input, kernelSize, stride, padding, dilation, ceilMode);
        var result = new Tensor(values.ShapeArray(), DType.Int64);
        var wide = result.Data<long>();
        for (int i = 0; i < indices.Length; i++) wide[i] = indices[i];
        return (values, result);
    }

    /// <summary>
    /// The pooled values and, per output, the int32 flat index of its maximum within the plane: kept by the
    /// backward, which only scatters through them, and widened to int64 only when the caller asks for them.
    /// </summary>
    static (Tensor Values, int[] Indices) MaxPool2dCore(Tensor input, (int H, int W) kernelSize, (int H, int W)? stride,
        (int H, int W)? padding, (int H, int W)? dilation, bool ceilMode)
    {
        const string op = "max_pool2d";
        var g = PoolGeometryOf(op, input, kernelSize, stride ?? kernelSize, padding ?? (0, 0), dilation ?? (1, 1), ceilMode, padLimitUsesDilation: true);
        var x = input.RawContiguous();
        int planes = PoolPlanes(input, g);
        var values = new Tensor(PooledShape(input, g), input.DType);
        var indices = new int[values.Numel];
        if (input.DType == DType.Float32) Pool2d.MaxForward(x.Data<float>(), x.StorageOffset, planes, g, values.Data<float>(), indices);
        else Pool2d.MaxForward(x.Data<double>(), x.StorageOffset, planes, g, values.Data<double>(), indices);

        if (GradMode.ShouldRecord(input))
        {
            var node = new Node(op, input);
            var inputShape = input.ShapeArray();
            node.SetBackward(grad =>
            {
                var gy = grad.RawContiguous();
                var gradInput = new Tensor(inputShape, grad.DType);
                if (grad.DType == DType.Float32) Pool2d.MaxBackward(gy.Data<float>(), gy.StorageOffset, indices, planes, g, gradInput.Data<float>());
                else Pool2d.MaxBackward(gy.Data<double>(), gy.StorageOffset, indices, planes, g, gradInput.Data<double>());
                return [gradInput];
            });
            values.WithGradFn(node);
        }
        return (values, indices);
    }

    /// <summary><c>torch.nn.functional.avg_pool2d</c>: the mean of each window, padding counted as zeros when <paramref name="countIncludePad"/>.</summary>
    public static Tensor AvgPool2d(Tensor input, int kernelSize, int? stride = null, int padding = 0, bool ceilMode = false,
        bool countIncludePad = true, int? divisorOverride = null) =>
        AvgPool2d(input, (kernelSize, kernelSize), stride is { } s ? (s, s) : null, (padding, padding), ceilMode, countIncludePad, divisorOverride);

    public static Tensor AvgPool2d(Tensor input, (int H, int W) kernelSize, (int H, int W)? stride = null, (int H, int W)? padding = null,
        bool ceilMode = false, bool countIncludePad = true, int? divisorOverride = null)
    {
        const string op = "avg_pool2d";
        if (divisorOverride is <= 0) throw new ArgumentException($"{op}: divisor must be positive, got {divisorOverride}");
        var g = PoolGeometryOf(op, input, kernelSize, stride ?? kernelSize, padding ?? (0, 0), (1, 1), ceilMode, padLimitUsesDilation: false);
        var x = input.RawContiguous();
        int planes = PoolPlanes(input, g);
        var result = new Tensor(PooledShape(input, g), input.DType);
        if (input.DType == DType.Float32) Pool2d.AvgForward(x.Data<float>(), x.StorageOffset, planes, g, countIncludePad, divisorOverride, result.Data<float>());
        else Pool2d.AvgForward(x.Data<double>(), x.StorageOffset, planes, g, countIncludePad, divisorOverride, result.Data<double>());

        if (GradMode.ShouldRecord(input))
        {
            var node = new Node(op, input);
            var inputShape = input.ShapeArray();
            node.SetBackward(grad =>
            {
                var gy = grad.RawContiguous();
                var gradInput = new Tensor(inputShape, grad.DType);
                if (grad.DType == DType.Float32)
                    Pool2d.AvgBackward(gy.Data<float>(), gy.StorageOffset, planes, g, countIncludePad, divisorOverride, gradInput.Data<float>());
                else
                    Pool2d.AvgBackward(gy.Data<double>(), gy.StorageOffset, planes, g, countIncludePad, divisorOverride, gradInput.Data<double>());
                return [gradInput];
            });
            result.WithGradFn(node);
        }
        return result;
    }

    /// <summary>
    /// <c>torch.nn.functional.adaptive_avg_pool2d</c>: average pooling to a fixed output size, output (oh, ow)
    /// averaging rows floor(oh * H / OH) .. ceil((oh + 1) * H / OH) and likewise columns.
    /// </summary>
    public static Tensor AdaptiveAvgPool2d(Tensor input, int outputSize) => AdaptiveAvgPool2d(input, (outputSize, outputSize));

    public static Tensor AdaptiveAvgPool2d(Tensor input, (int H, int W) outputSize)
    {
        const string op = "adaptive_avg_pool2d";
        CheckPoolInput(op, input);
        if (outputSize.H <= 0 || outputSize.W <= 0)
            throw new ArgumentException($"{op}: output size must be positive, got {HwText(outputSize)}");
        var g = new Pool2dGeometry(input.Size(-2), input.Size(-1), 0, 0, 0, 0, 0, 0, 1, 1, outputSize.H, outputSize.W);
        var x = input.RawContiguous();
        int planes = PoolPlanes(input, g);
        var result = new Tensor(PooledShape(input, g), input.DType);
        if (input.DType == DType.Float32) Pool2d.AdaptiveAvgForward(x.Data<float>(), x.StorageOffset, planes, g, result.Data<float>());
        else Pool2d.AdaptiveAvgForward(x.Data<double>(), x.StorageOffset, planes, g, result.Data<double>());

        if (GradMode.ShouldRecord(input))
        {
            var node = new Node(op, input);
            var inputShape = input.ShapeArray();
            node.SetBackward(grad =>
            {
                var gy = grad.RawContiguous();
                var gradInput = new Tensor(inputShape, grad.DType);
                if (grad.DType == DType.Float32) Pool2d.AdaptiveAvgBackward(gy.Data<float>(), gy.StorageOffset, planes, g, gradInput.Data<float>());
                else Pool2d.AdaptiveAvgBackward(gy.Data<double>(), gy.StorageOffset, planes, g, gradInput.Data<double>());
                return [gradInput];
            });
            result.WithGradFn(node);
        }
        return result;
    }

    static void CheckPoolInput(string op, Tensor input)
    {
        if (input.Rank is not (3 or 4))
            throw new ArgumentException($"{op}: expected a 3-D [C, H, W] or 4-D [N, C, H, W] input, got {Shapes.Format(input.Shape)}");
        for (int d = input.Rank - 3; d < input.Rank; d++)
            if (input.Size(d) == 0)
                throw new ArgumentException($"{op}: expected input {Shapes.Format(input.Shape)} to have non-zero channel, height and width sizes");
        if (!input.DType.IsFloatingPoint())
            throw new ArgumentException($"{op}: expected a floating point input, got {input.DType.Name()}");
    }

    static Pool2dGeometry PoolGeometryOf(string op, Tensor input, (int H, int W) kernel, (int H, int W) stride, (int H, int W) padding,
        (int H, int W) dilation, bool ceilMode, bool padLimitUsesDilation)
    {
        CheckPoolInput(op, input);
        if (kernel.H <= 0 || kernel.W <= 0) throw new ArgumentException($"{op}: kernel size must be positive, got {HwText(kernel)}");
        if (stride.H <= 0 || stride.W <= 0) throw new ArgumentException($"{op}: stride must be positive, got {HwText(stride)}");
        if (padding.H < 0 || padding.W < 0) throw new ArgumentException($"{op}: padding must be non-negative, got {HwText(padding)}");
        if (dilation.H <= 0 || dilation.W <= 0) throw new ArgumentException($"{op}: dilation must be positive, got {HwText(dilation)}");
        // padding beyond half the (effective) kernel would make windows that see only padding
        (int H, int W) span = padLimitUsesDilation ? ((kernel.H - 1) * dilation.H + 1, (kernel.W - 1) * dilation.W + 1) : kernel;
        if (padding.H > span.H / 2 || padding.W > span.W / 2)
            throw new ArgumentException(padLimitUsesDilation
                ? $"{op}: padding should be at most half of the effective kernel size, but got padding {HwText(padding)}, kernel size {HwText(kernel)} and dilation {HwText(dilation)}"
                : $"{op}: padding should be at most half of the kernel size, but got padding {HwText(padding)} and kernel size {HwText(kernel)}");
        int height = input.Size(-2), width = input.Size(-1);
        int outH = PoolOutputSize(height, kernel.H, stride.H, padding.H, dilation.H, ceilMode);
        int outW = PoolOutputSize(width, kernel.W, stride.W, padding.W, dilation.W, ceilMode);
        if (outH < 1 || outW < 1)
            throw new ArgumentException($"{op}: input {Shapes.Format(input.Shape)} is too small: calculated output size {Shapes.Format([outH, outW])} " +
                $"(kernel size {HwText(kernel)}, stride {HwText(stride)}, padding {HwText(padding)}, dilation {HwText(dilation)}); the output size must be at least 1");
        return new Pool2dGeometry(height, width, kernel.H, kernel.W, stride.H, stride.W, padding.H, padding.W, dilation.H, dilation.W, outH, outW);
    }

    /// <summary>PyTorch's pooling_output_shape: in ceil mode a last window must start inside the input or its left padding.</summary>
    static int PoolOutputSize(int input, int kernel, int stride, int padding, int dilation, bool ceilMode)
    {
        int span = input + 2 * padding - dilation * (kernel - 1) - 1 + (ceilMode ? stride - 1 : 0);
        int output = (int)Math.Floor((double)span / stride) + 1;
        if (ceilMode && (output - 1) * stride >= input + padding) output--;
        return output;
    }

    /// <summary>Number of [H, W] planes: N * C, or C for an unbatched input.</summary>
    static int PoolPlanes(Tensor input, Pool2dGeometry g) => g.InputPlane == 0 ? 0 : input.Numel / g.InputPlane;

    static int[] PooledShape(Tensor input, Pool2dGeometry g) => [.. input.Shape[..^2], g.OutH, g.OutW];
}
