using System.Numerics;

namespace DeepGen.Kernels;

/// <summary>Window sizes of a 2-D pooling over planes [H, W] giving planes [OutH, OutW].</summary>
internal readonly record struct Pool2dGeometry(
    int Height, int Width, int KernelH, int KernelW, int StrideH, int StrideW, int PadH, int PadW, int DilationH, int DilationW,
    int OutH, int OutW)
{
    public int InputPlane => Height * Width;
    public int OutputPlane => OutH * OutW;

    /// <summary>
    /// Non-overlapping 2x2 windows (kernel 2, stride 2, no padding or dilation) that all lie wholly inside the
    /// input, the common case that has its own loops.
    /// </summary>
    public bool IsPlain2x2 => KernelH == 2 && KernelW == 2 && StrideH == 2 && StrideW == 2 && PadH == 0 && PadW == 0
        && DilationH == 1 && DilationW == 1 && 2 * OutH <= Height && 2 * OutW <= Width;
}

/// <summary>
/// Max, average and adaptive average pooling over contiguous planes, forward and backward, following
/// PyTorch's CPU kernels (window clipping, divisors, NaN handling). Planes are independent, so large jobs
/// are split over threads by plane. Each plane is done by a static method over spans that copies the
/// geometry into locals first: read through a closure, the fields would be reloaded after every store.
/// </summary>
internal static class Pool2d
{
    public static void MaxForward<T>(T[] input, int inputOffset, int planes, Pool2dGeometry g, T[] output, int[] indices)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        Parallelism.For(planes, (long)g.OutputPlane * g.KernelH * g.KernelW, (p, _) =>
        {
            var src = input.AsSpan(inputOffset + p * g.InputPlane, g.InputPlane);
            var dst = output.AsSpan(p * g.OutputPlane, g.OutputPlane);
            var idx = indices.AsSpan(p * g.OutputPlane, g.OutputPlane);
            if (g.IsPlain2x2) Pool2x2.MaxPlane<T>(src, g.Width, g.OutH, g.OutW, dst, idx);
            else MaxPlane<T>(src, g, dst, idx);
        });

    /// <summary>
    /// Max over each window and the flat index (ih * W + iw) of the first maximum; a NaN counts as the maximum.
    /// A window that lies wholly in the padding (possible with dilation) gives -inf and index -1.
    /// </summary>
    static void MaxPlane<T>(ReadOnlySpan<T> src, Pool2dGeometry g, Span<T> dst, Span<int> idx) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int width = g.Width, outW = g.OutW, strideW = g.StrideW, dilationH = g.DilationH, dilationW = g.DilationW;
        int o = 0;
        for (int oh = 0; oh < g.OutH; oh++)
        {
            int h0 = oh * g.StrideH - g.PadH;
            var (kiStart, kiEnd) = Inside(h0, dilationH, g.Height, g.KernelH);
            for (int ow = 0; ow < outW; ow++, o++)
            {
                int w0 = ow * strideW - g.PadW;
                var (kjStart, kjEnd) = Inside(w0, dilationW, width, g.KernelW);
                T max = T.NegativeInfinity;
                int argmax = kiStart < kiEnd && kjStart < kjEnd ? (h0 + kiStart * dilationH) * width + w0 + kjStart * dilationW : -1;
                for (int ki = kiStart; ki < kiEnd; ki++)
                {
                    int rowStart = (h0 + ki * dilationH) * width + w0;
                    for (int kj = kjStart; kj < kjEnd; kj++)
                    {
                        int at = rowStart + kj * dilationW;
                        T v = src[at];
                        if (v > max || T.IsNaN(v))
                        {
                            max = v;
                            argmax = at;
                        }
                    }
                }
                dst[o] = max;
                idx[o] = argmax;
            }
        }
    }

    /// <summary>The kernel taps k in [start, end) whose position origin + k * dilation lies in [0, size).</summary>
    static (int Start, int End) Inside(int origin, int dilation, int size, int kernel)
    {
        int start, end;
        if (dilation == 1)
            (start, end) = (-origin, size - origin); // the common case, without divisions
        else
        {
            // the first taps at or past position 0 and position size: ceiling divisions
            start = origin >= 0 ? 0 : (-origin + dilation - 1) / dilation;
            end = size - origin <= 0 ? 0 : (size - origin + dilation - 1) / dilation;
        }
        start = Math.Clamp(start, 0, kernel);
        return (start, Math.Clamp(end, start, kernel));
    }

    /// <summary>Each output gradient goes to the input position its maximum came from (index -1: nowhere).</summary>
    public static void MaxBackward<T>(T[] gradOutput, int gradOffset, int[] indices, int planes, Pool2dGeometry g, T[] gradInput)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        Parallelism.For(planes, g.OutputPlane, (p, _) =>
            Scatter<T>(gradOutput.AsSpan(gradOffset + p * g.OutputPlane, g.OutputPlane), indices.AsSpan(p * g.OutputPlane, g.OutputPlane),
                gradInput.AsSpan(p * g.InputPlane, g.InputPlane)));

    static void Scatter<T>(ReadOnlySpan<T> gy, ReadOnlySpan<int> idx, Span<T> dst) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < gy.Length; i++)
        {
            int at = idx[i];
            if (at >= 0) dst[at] += gy[i];
        }
    }

    public static void AvgForward<T>(T[] input, int inputOffset, int planes, Pool2dGeometry g, bool countIncludePad, int? divisorOverride, T[] output)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        Parallelism.For(planes, (long)g.OutputPlane * g.KernelH * g.KernelW, (p, _) =>
        {
            var src = input.AsSpan(inputOffset + p * g.InputPlane, g.InputPlane);
            var dst = output.AsSpan(p * g.OutputPlane, g.OutputPlane);
            // whole windows: every divisor is the override or the window's 4 elements
            if (g.IsPlain2x2) Pool2x2.AvgPlane<T>(src, g.Width, g.OutH, g.OutW, T.CreateTruncating(divisorOverride ?? 4), dst);
            else AvgPlane<T>(src, g, countIncludePad, divisorOverride ?? 0, dst, default, backward: false);
        });

    public static void AvgBackward<T>(T[] gradOutput, int gradOffset, int planes, Pool2dGeometry g, bool countIncludePad, int? divisorOverride, T[] gradInput)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        Parallelism.For(planes, (long)g.OutputPlane * g.KernelH * g.KernelW, (p, _) =>
        {
            var gy = gradOutput.AsSpan(gradOffset + p * g.OutputPlane, g.OutputPlane);
            var dst = gradInput.AsSpan(p * g.InputPlane, g.InputPlane);
            if (g.IsPlain2x2) Pool2x2.AvgBackwardPlane<T>(gy, g.Width, g.OutH, g.OutW, T.CreateTruncating(divisorOverride ?? 4), dst);
            else AvgPlane<T>(gy, g, countIncludePad, divisorOverride ?? 0, default, dst, backward: true);
        });

    /// <summary>
    /// Forward: out = sum of the window's elements / divisor. Backward (reading <paramref name="values"/> as the
    /// output gradient): every element of the window gets gradOut / divisor. The window is clipped to the input;
    /// the divisor is the override (when nonzero), else the window clipped only to the padded input when
    /// padding counts, else the number of real elements.
    /// </summary>
    static void AvgPlane<T>(ReadOnlySpan<T> values, Pool2dGeometry g, bool countIncludePad, int divisorOverride, Span<T> output, Span<T> gradInput, bool backward)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int height = g.Height, width = g.Width, kernelH = g.KernelH, kernelW = g.KernelW, outH = g.OutH, outW = g.OutW;
        int strideH = g.StrideH, strideW = g.StrideW, padH = g.PadH, padW = g.PadW;
        int o = 0;
        for (int oh = 0; oh < outH; oh++)
            for (int ow = 0; ow < outW; ow++, o++)
            {
                int h0 = oh * strideH - padH, w0 = ow * strideW - padW;
                int h1 = Math.Min(h0 + kernelH, height + padH), w1 = Math.Min(w0 + kernelW, width + padW);
                int padded = (h1 - h0) * (w1 - w0);
                h0 = Math.Max(h0, 0);
                w0 = Math.Max(w0, 0);
                h1 = Math.Min(h1, height);
                w1 = Math.Min(w1, width);
                int divisor = divisorOverride != 0 ? divisorOverride : countIncludePad ? padded : (h1 - h0) * (w1 - w0);
                if (backward)
                {
                    T share = values[o] / T.CreateTruncating(divisor);
                    for (int ih = h0; ih < h1; ih++)
                        for (int iw = w0; iw < w1; iw++) gradInput[ih * width + iw] += share;
                    continue;
                }
                if (h0 >= h1 || w0 >= w1)
                {
                    output[o] = T.Zero;
                    continue;
                }
                T sum = T.Zero;
                for (int ih = h0; ih < h1; ih++)
                    for (int iw = w0; iw < w1; iw++) sum += values[ih * width + iw];
                output[o] = sum / T.CreateTruncating(divisor);
            }
    }

    public static void AdaptiveAvgForward<T>(T[] input, int inputOffset, int planes, Pool2dGeometry g, T[] output)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        Parallelism.For(planes, g.InputPlane, (p, _) =>
            AdaptivePlane<T>(input.AsSpan(inputOffset + p * g.InputPlane, g.InputPlane), g, output.AsSpan(p * g.OutputPlane, g.OutputPlane), default, backward: false));

    public static void AdaptiveAvgBackward<T>(T[] gradOutput, int gradOffset, int planes, Pool2dGeometry g, T[] gradInput)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        Parallelism.For(planes, g.InputPlane, (p, _) =>
            AdaptivePlane<T>(gradOutput.AsSpan(gradOffset + p * g.OutputPlane, g.OutputPlane), g, default, gradInput.AsSpan(p * g.InputPlane, g.InputPlane), backward: true));

    /// <summary>Adaptive average pooling of one plane, or (backward) spreading its output gradient back.</summary>
    static void AdaptivePlane<T>(ReadOnlySpan<T> values, Pool2dGeometry g, Span<T> output, Span<T> gradInput, bool backward)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int height = g.Height, width = g.Width, outH = g.OutH, outW = g.OutW;
        int o = 0;
        for (int oh = 0; oh < outH; oh++)
        {
            var (h0, h1) = AdaptiveRange(oh, height, outH);
            for (int ow = 0; ow < outW; ow++, o++)
            {
                var (w0, w1) = AdaptiveRange(ow, width, outW);
                T count = T.CreateTruncating((h1 - h0) * (w1 - w0));
                if (backward)
                {
                    T share = values[o] / count;
                    for (int ih = h0; ih < h1; ih++)
                        for (int iw = w0; iw < w1; iw++) gradInput[ih * width + iw] += share;
                    continue;
                }
                T sum = T.Zero;
                for (int ih = h0; ih < h1; ih++)
                    for (int iw = w0; iw < w1; iw++) sum += values[ih * width + iw];
                output[o] = sum / count;
            }
        }
    }

    /// <summary>Adaptive pooling's window along one dim: [floor(o * in / out), ceil((o + 1) * in / out)).</summary>
    static (int Start, int End) AdaptiveRange(int o, int input, int output) =>
        ((int)((long)o * input / output), (int)(((long)(o + 1) * input + output - 1) / output));
}
