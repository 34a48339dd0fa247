using DeepGen.Kernels;

namespace DeepGen;

// Entry points into F's private kernels for the compiled path (DeepGen.Compiled.Library): the same kernels
// the eager ops run, without their autograd bookkeeping.
public static partial class F
{
    internal static Tensor CompiledConv2dInputGrad(Tensor gradOutput, Tensor weight, Tensor input, (int H, int W) stride, (int H, int W) padding, (int H, int W) dilation, int groups)
    {
        var g = Conv2dGeometryOf(input, weight, null, stride, padding, dilation, groups);
        return Conv2dInputGrad(gradOutput.RawContiguous(), weight, input.ShapeArray(), g, groups);
    }

    internal static Tensor CompiledConv2dWeightGrad(Tensor gradOutput, Tensor input, Tensor weight, (int H, int W) stride, (int H, int W) padding, (int H, int W) dilation, int groups)
    {
        var g = Conv2dGeometryOf(input, weight, null, stride, padding, dilation, groups);
        return Conv2dWeightGrad(gradOutput.RawContiguous(), input, weight.ShapeArray(), g, groups);
    }

    internal static Tensor CompiledMaxPool2dBackward(Tensor gradOutput, Tensor indices, Tensor input, (int H, int W) kernel, (int H, int W) stride, (int H, int W) padding,
        (int H, int W) dilation, bool ceilMode)
    {
        var g = PoolGeometryOf("max_pool2d", input, kernel, stride, padding, dilation, ceilMode, padLimitUsesDilation: true);
        int planes = PoolPlanes(input, g);
        var wide = indices.RawContiguous().ContiguousSpan<long>();
        var narrow = new int[wide.Length];
        for (int i = 0; i < narrow.Length; i++) narrow[i] = (int)wide[i];
        var gy = gradOutput.RawContiguous();
        var gradInput = new Tensor(input.ShapeArray(), gradOutput.DType);
        if (gy.DType == DType.Float32) Pool2d.MaxBackward(gy.Data<float>(), gy.StorageOffset, narrow, planes, g, gradInput.Data<float>());
        else Pool2d.MaxBackward(gy.Data<double>(), gy.StorageOffset, narrow, planes, g, gradInput.Data<double>());
        return gradInput;
    }

    internal static Tensor CompiledAvgPool2dBackward(Tensor gradOutput, Tensor input, (int H, int W) kernel, (int H, int W) stride, (int H, int W) padding,
        bool ceilMode, bool countIncludePad)
    {
        var g = PoolGeometryOf("avg_pool2d", input, kernel, stride, padding, (1, 1), ceilMode, padLimitUsesDilation: false);
        int planes = PoolPlanes(input, g);
        var gy = gradOutput.RawContiguous();
        var gradInput = new Tensor(input.ShapeArray(), gradOutput.DType);
        if (gy.DType == DType.Float32) Pool2d.AvgBackward(gy.Data<float>(), gy.StorageOffset, planes, g, countIncludePad, null, gradInput.Data<float>());
        else Pool2d.AvgBackward(gy.Data<double>(), gy.StorageOffset, planes, g, countIncludePad, null, gradInput.Data<double>());
        return gradInput;
    }

    /// <summary>The mask eager <see cref="Dropout"/> would draw for this shape, from the same generator and in the same order.</summary>
    internal static Tensor CompiledDropoutMask(int[] shape, DType dtype, double p, Generator generator) => DropoutMask(shape, dtype, p, generator);
}
