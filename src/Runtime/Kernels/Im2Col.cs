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

    /// <summary>
    /// Stride 1 with output rows as wide as input rows ("same" padding): each row of the column matrix is then
    /// its channel's plane shifted by one fixed offset, except where a tap falls outside the image.
    /// </summary>
    public bool IsShiftedPlane => StrideH == 1 && StrideW == 1 && OutW == Width;
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
        // locals, not g's fields: the JIT would reload those after every store into col
        int height = g.Height, width = g.Width, outH = g.OutH, outW = g.OutW, strideH = g.StrideH, strideW = g.StrideW;
        int plane = g.OutputPlane, row = 0;
        bool shifted = g.IsShiftedPlane;
        for (int c = 0; c < g.Channels; c++)
        {
            var channel = image.Slice(c * height * width, height * width);
            for (int ki = 0; ki < g.KernelH; ki++)
                for (int kj = 0; kj < g.KernelW; kj++, row++)
                {
                    var dst = col.Slice(row * plane, plane);
                    int dy = ki * g.DilationH - g.PadH, dx = kj * g.DilationW - g.PadW;
                    var (owStart, owEnd) = InsideRange(dx, strideW, width, outW);
                    if (shifted)
                    {
                        ShiftedForward(channel, dst, dy, dx, outH, outW, owStart, owEnd);
                        continue;
                    }
                    for (int oh = 0; oh < outH; oh++)
                    {
                        var outRow = dst.Slice(oh * outW, outW);
                        int ih = oh * strideH + dy;
                        if ((uint)ih >= (uint)height)
                        {
                            outRow.Clear();
                            continue;
                        }
                        var inRow = channel.Slice(ih * width, width);
                        outRow[..owStart].Clear();
                        outRow[owEnd..].Clear();
                        if (strideW == 1)
                            inRow.Slice(owStart + dx, owEnd - owStart).CopyTo(outRow[owStart..owEnd]);
                        else
                            for (int ow = owStart; ow < owEnd; ow++) outRow[ow] = inRow[ow * strideW + dx];
                    }
                }
        }
    }

    /// <summary>
    /// One column-matrix row when it is the channel shifted by dy rows and dx columns: one copy from the first
    /// valid entry to the last, then zeros where a tap lies outside the image (those entries were copied from
    /// the neighbouring row).
    /// </summary>
    static void ShiftedForward<T>(ReadOnlySpan<T> channel, Span<T> dst, int dy, int dx, int outH, int width, int owStart, int owEnd)
        where T : unmanaged, INumber<T>
    {
        var (ohStart, ohEnd) = InsideRange(dy, 1, channel.Length / width, outH);
        if (ohStart >= ohEnd || owStart >= owEnd)
        {
            dst.Clear();
            return;
        }
        int first = ohStart * width + owStart, last = (ohEnd - 1) * width + owEnd;
        dst[..first].Clear();
        dst[last..].Clear();
        channel.Slice(first + dy * width + dx, last - first).CopyTo(dst[first..last]);
        ClearOutside(dst, ohStart, ohEnd, width, owStart, owEnd);
    }

    /// <summary>Zeroes columns [0, owStart) and [owEnd, width) of rows ohStart..ohEnd of a [.., width] plane.</summary>
    static void ClearOutside<T>(Span<T> plane, int ohStart, int ohEnd, int width, int owStart, int owEnd) where T : unmanaged, INumber<T>
    {
        if (owStart == 0 && owEnd == width) return;
        for (int oh = ohStart; oh < ohEnd; oh++)
        {
            var row = plane.Slice(oh * width, width);
            for (int ow = 0; ow < owStart; ow++) row[ow] = T.Zero;
            for (int ow = owEnd; ow < width; ow++) row[ow] = T.Zero;
        }
    }

    /// <summary>
    /// The adjoint of <see cref="Forward"/>: image[c, ih, iw] += every column entry that was read from it.
    /// <paramref name="col"/> is scratch: the shifted-plane path zeroes its entries that fall outside the image.
    /// </summary>
    public static void Backward<T>(Span<T> col, in Conv2dGeometry g, Span<T> image) where T : unmanaged, INumber<T>
    {
        int height = g.Height, width = g.Width, outH = g.OutH, outW = g.OutW, strideH = g.StrideH, strideW = g.StrideW;
        int plane = g.OutputPlane, row = 0;
        bool shifted = g.IsShiftedPlane;
        for (int c = 0; c < g.Channels; c++)
        {
            var channel = image.Slice(c * height * width, height * width);
            for (int ki = 0; ki < g.KernelH; ki++)
                for (int kj = 0; kj < g.KernelW; kj++, row++)
                {
                    var src = col.Slice(row * plane, plane);
                    int dy = ki * g.DilationH - g.PadH, dx = kj * g.DilationW - g.PadW;
                    var (owStart, owEnd) = InsideRange(dx, strideW, width, outW);
                    if (shifted)
                    {
                        var (ohStart, ohEnd) = InsideRange(dy, 1, height, outH);
                        if (ohStart >= ohEnd || owStart >= owEnd) continue;
                        // zeroed, the entries from outside the image add nothing where the one long add below puts them
                        ClearOutside(src, ohStart, ohEnd, width, owStart, owEnd);
                        int first = ohStart * width + owStart, last = (ohEnd - 1) * width + owEnd;
                        AddTo<T>(src[first..last], channel.Slice(first + dy * width + dx, last - first));
                        continue;
                    }
                    for (int oh = 0; oh < outH; oh++)
                    {
                        int ih = oh * strideH + dy;
                        if ((uint)ih >= (uint)height) continue;
                        var colRow = src.Slice(oh * outW, outW);
                        var inRow = channel.Slice(ih * width, width);
                        if (strideW == 1) AddTo<T>(colRow[owStart..owEnd], inRow.Slice(owStart + dx, owEnd - owStart));
                        else
                            for (int ow = owStart; ow < owEnd; ow++) inRow[ow * strideW + dx] += colRow[ow];
                    }
                }
        }
    }

    /// <summary>target += source, element by element.</summary>
    static void AddTo<T>(ReadOnlySpan<T> source, Span<T> target) where T : unmanaged, INumber<T>
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated && Vector<T>.IsSupported)
            for (; i <= source.Length - Vector<T>.Count; i += Vector<T>.Count)
                (new Vector<T>(source[i..]) + new Vector<T>(target[i..])).CopyTo(target[i..]);
        for (; i < source.Length; i++) target[i] += source[i];
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
