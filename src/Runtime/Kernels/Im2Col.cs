using System.Numerics;

namespace DeepGen.Kernels;

/// <summary>The sizes of one 2-D convolution (or pooling window walk) over a single image.</summary>
internal readonly record struct Conv2dGeometry(
    int Channels, int Height, int Width,
    int KernelH, int KernelW, int StrideH, int StrideW, int PadH, int PadW, int DilationH, int DilationW,
    int OutH, int OutW)
{
    public int ImageSize => Channels * Height * Width;

    /// <summary>Rows of the column matrix: one per (channel, kernel row, kernel column).</summary>
    public int ColumnRows => Channels * KernelH * KernelW;

    /// <summary>Columns of the column matrix: one per output position.</summary>
    public int OutputPlane => OutH * OutW;

    /// <summary>The 1x1, stride-1, unpadded case, where the column matrix is the image itself.</summary>
    public bool IsPointwise => KernelH == 1 && KernelW == 1 && StrideH == 1 && StrideW == 1 && PadH == 0 && PadW == 0;
}

/// <summary>
/// im2col and col2im: lay out every receptive field of an image [C, H, W] as a column of a matrix
/// [C * kH * kW, OH * OW], so a convolution becomes one matrix product, and fold such a matrix back
/// (summing overlaps) for the input gradient.
/// </summary>
internal static class Im2Col
{
    /// <summary>col[(c, ki, kj), (oh, ow)] = image[c, oh*sH - pH + ki*dH, ow*sW - pW + kj*dW], 0 in the padding.</summary>
    public static void Forward<T>(ReadOnlySpan<T> image, in Conv2dGeometry g, Span<T> col) where T : unmanaged, INumber<T>
    {
        int plane = g.OutputPlane, row = 0;
        for (int c = 0; c < g.Channels; c++)
            for (int ki = 0; ki < g.KernelH; ki++)
                for (int kj = 0; kj < g.KernelW; kj++, row++)
                {
                    var dst = col.Slice(row * plane, plane);
                    int dx = kj * g.DilationW - g.PadW;
                    var (owStart, owEnd) = InsideRange(dx, g.StrideW, g.Width, g.OutW);
                    for (int oh = 0; oh < g.OutH; oh++)
                    {
                        var outRow = dst.Slice(oh * g.OutW, g.OutW);
                        int ih = oh * g.StrideH - g.PadH + ki * g.DilationH;
                        if (ih < 0 || ih >= g.Height)
                        {
                            outRow.Clear();
                            continue;
                        }
                        var inRow = image.Slice((c * g.Height + ih) * g.Width, g.Width);
                        outRow[..owStart].Clear();
                        outRow[owEnd..].Clear();
                        if (g.StrideW == 1)
                            inRow.Slice(owStart + dx, owEnd - owStart).CopyTo(outRow[owStart..owEnd]);
                        else
                            for (int ow = owStart; ow < owEnd; ow++) outRow[ow] = inRow[ow * g.StrideW + dx];
                    }
                }
    }

    /// <summary>The adjoint of <see cref="Forward"/>: image[c, ih, iw] += every column entry that was read from it.</summary>
    public static void Backward<T>(ReadOnlySpan<T> col, in Conv2dGeometry g, Span<T> image) where T : unmanaged, INumber<T>
    {
        int plane = g.OutputPlane, row = 0;
        for (int c = 0; c < g.Channels; c++)
            for (int ki = 0; ki < g.KernelH; ki++)
                for (int kj = 0; kj < g.KernelW; kj++, row++)
                {
                    var src = col.Slice(row * plane, plane);
                    int dx = kj * g.DilationW - g.PadW;
                    var (owStart, owEnd) = InsideRange(dx, g.StrideW, g.Width, g.OutW);
                    for (int oh = 0; oh < g.OutH; oh++)
                    {
                        int ih = oh * g.StrideH - g.PadH + ki * g.DilationH;
                        if (ih < 0 || ih >= g.Height) continue;
                        var colRow = src.Slice(oh * g.OutW, g.OutW);
                        var inRow = image.Slice((c * g.Height + ih) * g.Width, g.Width);
                        for (int ow = owStart; ow < owEnd; ow++) inRow[ow * g.StrideW + dx] += colRow[ow];
                    }
                }
    }

    /// <summary>The outputs o in [start, end) whose input position o * stride + shift lies in [0, size).</summary>
    static (int Start, int End) InsideRange(int shift, int stride, int size, int outputs)
    {
        int start = Math.Clamp(CeilDiv(-shift, stride), 0, outputs);
        int end = Math.Clamp(CeilDiv(size - shift, stride), start, outputs);
        return (start, end);
    }

    static int CeilDiv(int a, int b) => a >= 0 ? (a + b - 1) / b : -(-a / b);
}
