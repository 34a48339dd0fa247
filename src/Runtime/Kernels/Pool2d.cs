using System.Numerics;

namespace DeepGen.Kernels;

/// <summary>Window sizes of a 2-D pooling over planes [H, W] giving planes [OutH, OutW].</summary>
internal readonly record struct Pool2dGeometry(
    int Height, int Width, int KernelH, int KernelW, int StrideH, int StrideW, int PadH, int PadW, int DilationH, int DilationW,
    int OutH, int OutW)
{
    public int InputPlane => Height * Width;
    public int OutputPlane => OutH * OutW;
}

/// <summary>
/// Max, average and adaptive average pooling over contiguous planes, forward and backward, following
/// PyTorch's CPU kernels (window clipping, divisors, NaN handling). Planes are independent, so large jobs
/// are split over threads by plane.
/// </summary>
internal static class Pool2d
{
    /// <summary>
    /// Max over each window and the flat index (ih * W + iw) of the first maximum; a NaN counts as the maximum.
    /// A window that lies wholly in the padding (possible with dilation) gives -inf and index -1.
    /// </summary>
    public static void MaxForward<T>(T[] input, int inputOffset, int planes, Pool2dGeometry g, T[] output, long[] indices)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Parallelism.For(planes, (long)g.OutputPlane * g.KernelH * g.KernelW, (p, _) =>
        {
            var src = input.AsSpan(inputOffset + p * g.InputPlane, g.InputPlane);
            int o = p * g.OutputPlane;
            for (int oh = 0; oh < g.OutH; oh++)
                for (int ow = 0; ow < g.OutW; ow++, o++)
                {
                    int h0 = oh * g.StrideH - g.PadH, w0 = ow * g.StrideW - g.PadW;
                    T max = T.NegativeInfinity;
                    int argmax = -1;
                    for (int ki = 0; ki < g.KernelH; ki++)
                    {
                        int ih = h0 + ki * g.DilationH;
                        if (ih < 0 || ih >= g.Height) continue;
                        for (int kj = 0; kj < g.KernelW; kj++)
                        {
                            int iw = w0 + kj * g.DilationW;
                            if (iw < 0 || iw >= g.Width) continue;
                            T v = src[ih * g.Width + iw];
                            if (argmax < 0 || v > max || T.IsNaN(v))
                            {
                                max = v;
                                argmax = ih * g.Width + iw;
                            }
                        }
                    }
                    output[o] = max;
                    indices[o] = argmax;
                }
        });
    }

    /// <summary>Each output gradient goes to the input position its maximum came from.</summary>
    public static void MaxBackward<T>(T[] gradOutput, int gradOffset, long[] indices, int indexOffset, int planes, Pool2dGeometry g, T[] gradInput)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Parallelism.For(planes, g.OutputPlane, (p, _) =>
        {
            var dst = gradInput.AsSpan(p * g.InputPlane, g.InputPlane);
            int o = p * g.OutputPlane;
            for (int i = 0; i < g.OutputPlane; i++)
            {
                long index = indices[indexOffset + o + i];
                if (index >= 0) dst[(int)index] += gradOutput[gradOffset + o + i];
            }
        });
    }

    /// <summary>
    /// The window of output (oh, ow) clipped to the input, and its divisor: the window size clipped to the
    /// padded input when padding counts, else the number of real elements (or the override).
    /// </summary>
    static (int H0, int H1, int W0, int W1, int Divisor) AvgWindow(Pool2dGeometry g, int oh, int ow, bool countIncludePad, int? divisorOverride)
    {
        int h0 = oh * g.StrideH - g.PadH, w0 = ow * g.StrideW - g.PadW;
        int h1 = Math.Min(h0 + g.KernelH, g.Height + g.PadH), w1 = Math.Min(w0 + g.KernelW, g.Width + g.PadW);
        int padded = (h1 - h0) * (w1 - w0);
        h0 = Math.Max(h0, 0);
        w0 = Math.Max(w0, 0);
        h1 = Math.Min(h1, g.Height);
        w1 = Math.Min(w1, g.Width);
        int divisor = divisorOverride ?? (countIncludePad ? padded : (h1 - h0) * (w1 - w0));
        return (h0, h1, w0, w1, divisor);
    }

    public static void AvgForward<T>(T[] input, int inputOffset, int planes, Pool2dGeometry g, bool countIncludePad, int? divisorOverride, T[] output)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Parallelism.For(planes, (long)g.OutputPlane * g.KernelH * g.KernelW, (p, _) =>
        {
            var src = input.AsSpan(inputOffset + p * g.InputPlane, g.InputPlane);
            int o = p * g.OutputPlane;
            for (int oh = 0; oh < g.OutH; oh++)
                for (int ow = 0; ow < g.OutW; ow++, o++)
                {
                    var (h0, h1, w0, w1, divisor) = AvgWindow(g, oh, ow, countIncludePad, divisorOverride);
                    if (h0 >= h1 || w0 >= w1)
                    {
                        output[o] = T.Zero;
                        continue;
                    }
                    T sum = T.Zero;
                    for (int ih = h0; ih < h1; ih++)
                        for (int iw = w0; iw < w1; iw++) sum += src[ih * g.Width + iw];
                    output[o] = sum / T.CreateChecked(divisor);
                }
        });
    }

    public static void AvgBackward<T>(T[] gradOutput, int gradOffset, int planes, Pool2dGeometry g, bool countIncludePad, int? divisorOverride, T[] gradInput)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Parallelism.For(planes, (long)g.OutputPlane * g.KernelH * g.KernelW, (p, _) =>
        {
            var dst = gradInput.AsSpan(p * g.InputPlane, g.InputPlane);
            int o = gradOffset + p * g.OutputPlane;
            for (int oh = 0; oh < g.OutH; oh++)
                for (int ow = 0; ow < g.OutW; ow++, o++)
                {
                    var (h0, h1, w0, w1, divisor) = AvgWindow(g, oh, ow, countIncludePad, divisorOverride);
                    T share = gradOutput[o] / T.CreateChecked(divisor);
                    for (int ih = h0; ih < h1; ih++)
                        for (int iw = w0; iw < w1; iw++) dst[ih * g.Width + iw] += share;
                }
        });
    }

    /// <summary>Adaptive pooling's window along one dim: [floor(o * in / out), ceil((o + 1) * in / out)).</summary>
    static (int Start, int End) AdaptiveRange(int o, int input, int output) =>
        ((int)((long)o * input / output), (int)(((long)(o + 1) * input + output - 1) / output));

    public static void AdaptiveAvgForward<T>(T[] input, int inputOffset, int planes, Pool2dGeometry g, T[] output)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Parallelism.For(planes, g.InputPlane, (p, _) =>
        {
            var src = input.AsSpan(inputOffset + p * g.InputPlane, g.InputPlane);
            int o = p * g.OutputPlane;
            for (int oh = 0; oh < g.OutH; oh++)
            {
                var (h0, h1) = AdaptiveRange(oh, g.Height, g.OutH);
                for (int ow = 0; ow < g.OutW; ow++, o++)
                {
                    var (w0, w1) = AdaptiveRange(ow, g.Width, g.OutW);
                    T sum = T.Zero;
                    for (int ih = h0; ih < h1; ih++)
                        for (int iw = w0; iw < w1; iw++) sum += src[ih * g.Width + iw];
                    output[o] = sum / T.CreateChecked((h1 - h0) * (w1 - w0));
                }
            }
        });
    }

    public static void AdaptiveAvgBackward<T>(T[] gradOutput, int gradOffset, int planes, Pool2dGeometry g, T[] gradInput)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Parallelism.For(planes, g.InputPlane, (p, _) =>
        {
            var dst = gradInput.AsSpan(p * g.InputPlane, g.InputPlane);
            int o = gradOffset + p * g.OutputPlane;
            for (int oh = 0; oh < g.OutH; oh++)
            {
                var (h0, h1) = AdaptiveRange(oh, g.Height, g.OutH);
                for (int ow = 0; ow < g.OutW; ow++, o++)
                {
                    var (w0, w1) = AdaptiveRange(ow, g.Width, g.OutW);
                    T share = gradOutput[o] / T.CreateChecked((h1 - h0) * (w1 - w0));
                    for (int ih = h0; ih < h1; ih++)
                        for (int iw = w0; iw < w1; iw++) dst[ih * g.Width + iw] += share;
                }
            }
        });
    }
}
