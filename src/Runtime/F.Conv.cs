using System.Numerics;
using DeepGen.Autograd;
using DeepGen.Kernels;

namespace DeepGen;

// 2-D convolution as im2col + GEMM, per image, with both backward passes.
public static partial class F
{
    /// <summary>
    /// <c>torch.nn.functional.conv2d</c> (cross-correlation): input [N, C, H, W], weight
    /// [out_channels, C / groups, kH, kW], bias [out_channels]; result [N, out_channels, OH, OW] with
    /// OH = (H + 2 * padding - dilation * (kH - 1) - 1) / stride + 1 (likewise OW).
    /// </summary>
    public static Tensor Conv2d(Tensor input, Tensor weight, Tensor? bias = null, int stride = 1, int padding = 0, int dilation = 1, int groups = 1) =>
        Conv2d(input, weight, bias, (stride, stride), (padding, padding), (dilation, dilation), groups);

    /// <summary><see cref="Conv2d(Tensor, Tensor, Tensor?, int, int, int, int)"/> with separate (height, width) settings.</summary>
    public static Tensor Conv2d(Tensor input, Tensor weight, Tensor? bias, (int H, int W) stride, (int H, int W)? padding = null,
        (int H, int W)? dilation = null, int groups = 1)
    {
        var g = Conv2dGeometryOf(input, weight, bias, stride, padding ?? (0, 0), dilation ?? (1, 1), groups);
        int batch = input.Size(0), outChannels = weight.Size(0);
        var result = new Tensor([batch, outChannels, g.OutH, g.OutW], input.DType);
        if (input.DType == DType.Float32) Conv2dForward<float>(input, weight, bias, result, g, groups);
        else Conv2dForward<double>(input, weight, bias, result, g, groups);

        if (GradMode.ShouldRecord(bias is null ? [input, weight] : [input, weight, bias]))
        {
            var node = bias is null ? new Node("conv2d", input, weight) : new Node("conv2d", input, weight, bias);
            var savedInput = node.NeedsGrad(1) ? node.Save(input) : null;
            var savedWeight = node.NeedsGrad(0) ? node.Save(weight) : null;
            var inputShape = input.ShapeArray();
            var weightShape = weight.ShapeArray();
            bool hasBias = bias is not null;
            node.SetBackward(grad =>
            {
                var gradOutput = grad.RawContiguous();
                var gradInput = savedWeight is null ? null : Conv2dInputGrad(gradOutput, savedWeight.Get(), inputShape, g, groups);
                var gradWeight = savedInput is null ? null : Conv2dWeightGrad(gradOutput, savedInput.Get(), weightShape, g, groups);
                if (!hasBias) return [gradInput, gradWeight];
                return [gradInput, gradWeight, node.NeedsGrad(2) ? Conv2dBiasGrad(gradOutput) : null];
            });
            result.WithGradFn(node);
        }
        return result;
    }

    static Conv2dGeometry Conv2dGeometryOf(Tensor input, Tensor weight, Tensor? bias, (int H, int W) stride, (int H, int W) padding, (int H, int W) dilation, int groups)
    {
        if (input.Rank != 4)
            throw new ArgumentException($"conv2d: expected a 4-D input [N, C, H, W], got {Shapes.Format(input.Shape)}");
        if (weight.Rank != 4)
            throw new ArgumentException($"conv2d: expected a 4-D weight [out_channels, in_channels / groups, kH, kW], got {Shapes.Format(weight.Shape)}");
        if (!input.DType.IsFloatingPoint() || input.DType != weight.DType || (bias is not null && bias.DType != input.DType))
            throw new ArgumentException($"conv2d: input ({input.DType.Name()})" +
                (bias is null ? $" and weight ({weight.DType.Name()})" : $", weight ({weight.DType.Name()}) and bias ({bias.DType.Name()})") + " must have the same floating point dtype");
        if (stride.H <= 0 || stride.W <= 0) throw new ArgumentException($"conv2d: stride must be positive, got {HwText(stride)}");
        if (padding.H < 0 || padding.W < 0) throw new ArgumentException($"conv2d: padding must be non-negative, got {HwText(padding)}");
        if (dilation.H <= 0 || dilation.W <= 0) throw new ArgumentException($"conv2d: dilation must be positive, got {HwText(dilation)}");
        if (groups <= 0) throw new ArgumentException($"conv2d: groups must be positive, got {groups}");

        int inChannels = input.Size(1), outChannels = weight.Size(0), kH = weight.Size(2), kW = weight.Size(3);
        if (kH <= 0 || kW <= 0) throw new ArgumentException($"conv2d: weight {Shapes.Format(weight.Shape)} has an empty kernel");
        if (outChannels % groups != 0)
            throw new ArgumentException($"conv2d: out_channels {outChannels} of weight {Shapes.Format(weight.Shape)} is not divisible by groups={groups}");
        if (inChannels % groups != 0)
            throw new ArgumentException($"conv2d: in_channels {inChannels} of input {Shapes.Format(input.Shape)} is not divisible by groups={groups}");
        if (inChannels != weight.Size(1) * groups)
            throw new ArgumentException($"conv2d: given groups={groups} and weight {Shapes.Format(weight.Shape)}, expected input {Shapes.Format(input.Shape)} to have {weight.Size(1) * groups} in_channels (weight.shape[1] * groups), but got {inChannels}");
        if (bias is not null && (bias.Rank != 1 || bias.Size(0) != outChannels))
            throw new ArgumentException($"conv2d: bias {Shapes.Format(bias.Shape)} does not match weight {Shapes.Format(weight.Shape)}: expected [{outChannels}]");

        int outH = ConvOutputSize(input.Size(2), kH, stride.H, padding.H, dilation.H);
        int outW = ConvOutputSize(input.Size(3), kW, stride.W, padding.W, dilation.W);
        if (outH < 1 || outW < 1)
            throw new ArgumentException($"conv2d: input {Shapes.Format(input.Shape)} is too small for weight {Shapes.Format(weight.Shape)}: calculated output size {Shapes.Format([outH, outW])} " +
                $"(stride {HwText(stride)}, padding {HwText(padding)}, dilation {HwText(dilation)}); the output size must be at least 1");
        return new Conv2dGeometry(inChannels, input.Size(2), input.Size(3), kH, kW, stride.H, stride.W, padding.H, padding.W, dilation.H, dilation.W, outH, outW);
    }

    static int ConvOutputSize(int input, int kernel, int stride, int padding, int dilation)
    {
        int span = input + 2 * padding - dilation * (kernel - 1) - 1;
        return span < 0 ? 0 : span / stride + 1;
    }

    static string HwText((int H, int W) p) => $"({p.H}, {p.W})";

    /// <summary>Per image: im2col, then for each group out[g] = weight[g] [O/g, C/g*kH*kW] @ col[g], onto rows that hold the bias.</summary>
    static void Conv2dForward<T>(Tensor input, Tensor weight, Tensor? bias, Tensor result, Conv2dGeometry g, int groups) where T : unmanaged, INumber<T>
    {
        var x = input.RawContiguous();
        var w = weight.RawContiguous();
        var xd = x.Data<T>();
        var wd = w.Data<T>();
        var y = result.Data<T>();
        var b = bias?.RawContiguous();
        int outChannels = w.Size(0), groupOut = outChannels / groups, k = g.ColumnRows / groups, plane = g.OutputPlane;
        Parallelism.ForWithBuffer<T>(x.Size(0), (long)outChannels * k * plane, g.IsPointwise ? 0 : g.ColumnRows * plane, (n, col, innerParallel) =>
        {
            int imageOffset = x.StorageOffset + n * g.ImageSize;
            var (source, sourceOffset) = g.IsPointwise ? (xd, imageOffset) : (col, 0);
            if (!g.IsPointwise) Im2Col.Forward<T>(xd.AsSpan(imageOffset, g.ImageSize), g, col);
            int outOffset = n * outChannels * plane;
            if (b is not null)
            {
                var bd = b.Data<T>();
                for (int o = 0; o < outChannels; o++) y.AsSpan(outOffset + o * plane, plane).Fill(bd[b.StorageOffset + o]);
            }
            for (int grp = 0; grp < groups; grp++)
                Gemm.Run(false, false, groupOut, plane, k, T.One, wd, w.StorageOffset + grp * groupOut * k, k,
                    source, sourceOffset + grp * k * plane, plane, b is null ? T.Zero : T.One, y, outOffset + grp * groupOut * plane, plane, innerParallel);
        });
    }

    static Tensor Conv2dInputGrad(Tensor gradOutput, Tensor weight, int[] inputShape, Conv2dGeometry g, int groups)
    {
        var gradInput = new Tensor(inputShape, gradOutput.DType);
        if (gradOutput.DType == DType.Float32) Conv2dInputGrad<float>(gradOutput, weight.RawContiguous(), gradInput, g, groups);
        else Conv2dInputGrad<double>(gradOutput, weight.RawContiguous(), gradInput, g, groups);
        return gradInput;
    }

    /// <summary>Per image: colGrad[g] = weight[g]^T @ gradOutput[g], folded back onto the image by col2im.</summary>
    static void Conv2dInputGrad<T>(Tensor gradOutput, Tensor w, Tensor gradInput, Conv2dGeometry g, int groups) where T : unmanaged, INumber<T>
    {
        var gy = gradOutput.Data<T>();
        var wd = w.Data<T>();
        var gx = gradInput.Data<T>();
        int outChannels = w.Size(0), groupOut = outChannels / groups, k = g.ColumnRows / groups, plane = g.OutputPlane;
        Parallelism.ForWithBuffer<T>(gradInput.Size(0), (long)outChannels * k * plane, g.IsPointwise ? 0 : g.ColumnRows * plane, (n, col, innerParallel) =>
        {
            int imageOffset = n * g.ImageSize;
            // pointwise: the column gradient is the image gradient
            var (target, targetOffset) = g.IsPointwise ? (gx, imageOffset) : (col, 0);
            for (int grp = 0; grp < groups; grp++)
                Gemm.Run(true, false, k, plane, groupOut, T.One, wd, w.StorageOffset + grp * groupOut * k, k,
                    gy, gradOutput.StorageOffset + (n * outChannels + grp * groupOut) * plane, plane, T.Zero, target, targetOffset + grp * k * plane, plane, innerParallel);
            if (!g.IsPointwise) Im2Col.Backward<T>(col, g, gx.AsSpan(imageOffset, g.ImageSize));
        });
    }

    static Tensor Conv2dWeightGrad(Tensor gradOutput, Tensor input, int[] weightShape, Conv2dGeometry g, int groups)
    {
        var gradWeight = new Tensor(weightShape, gradOutput.DType);
        if (gradOutput.DType == DType.Float32) Conv2dWeightGrad<float>(gradOutput, input.RawContiguous(), gradWeight, g, groups);
        else Conv2dWeightGrad<double>(gradOutput, input.RawContiguous(), gradWeight, g, groups);
        return gradWeight;
    }

    /// <summary>
    /// gradWeight[g] = sum over images of gradOutput[g] @ col[g]^T. Images are split into a fixed number of
    /// chunks, each summed into its own buffer and the buffers added in order, so results do not depend on
    /// thread timing. A small gradient (few input channels: a tiny M x N against the long K of an image's
    /// output plane) is taken as row dot products, which need no packing; a larger one by the GEMM as
    /// gradWeight[g]^T = col[g] @ gradOutput[g]^T, whose operands pack faster that way round than as written.
    /// </summary>
    static void Conv2dWeightGrad<T>(Tensor gradOutput, Tensor x, Tensor gradWeight, Conv2dGeometry g, int groups) where T : unmanaged, INumber<T>
    {
        var gy = gradOutput.Data<T>();
        var xd = x.Data<T>();
        var gw = gradWeight.Data<T>();
        int batch = x.Size(0), outChannels = gradWeight.Size(0), groupOut = outChannels / groups, k = g.ColumnRows / groups, plane = g.OutputPlane;
        bool dots = UseRowDots(groupOut, k, plane);
        long workPerImage = (long)outChannels * k * plane;
        int chunks = batch > 1 && Parallelism.Worthwhile(workPerImage * batch) ? Math.Min(Parallelism.Workers, batch) : 1;
        var partials = new T[chunks][];
        for (int i = 0; i < chunks; i++) partials[i] = dots && i == 0 ? gw : new T[gw.Length];
        Parallelism.ForWithBuffer<T>(chunks, (workPerImage * batch + chunks - 1) / chunks, g.IsPointwise ? 0 : g.ColumnRows * plane, (chunk, col, innerParallel) =>
        {
            var sum = partials[chunk];
            int first = batch * chunk / chunks, last = batch * (chunk + 1) / chunks;
            for (int n = first; n < last; n++)
            {
                int imageOffset = x.StorageOffset + n * g.ImageSize;
                var (source, sourceOffset) = g.IsPointwise ? (xd, imageOffset) : (col, 0);
                if (!g.IsPointwise) Im2Col.Forward<T>(xd.AsSpan(imageOffset, g.ImageSize), g, col);
                for (int grp = 0; grp < groups; grp++)
                {
                    int gyOffset = gradOutput.StorageOffset + (n * outChannels + grp * groupOut) * plane, colOffset = sourceOffset + grp * k * plane;
                    if (dots)
                        RowDots.Accumulate(groupOut, k, plane, gy, gyOffset, plane, source, colOffset, plane, sum, grp * groupOut * k, k);
                    else
                        Gemm.Run(false, true, k, groupOut, plane, T.One, source, colOffset, plane, gy, gyOffset, plane,
                            n == first ? T.Zero : T.One, sum, grp * k * groupOut, groupOut, innerParallel);
                }
            }
        });
        if (dots)
        {
            for (int i = 1; i < chunks; i++)
                for (int j = 0; j < gw.Length; j++) gw[j] += partials[i][j];
            return;
        }
        // the GEMM wrote [groups][k][groupOut]: add the chunks in order while transposing each group back
        for (int grp = 0; grp < groups; grp++)
            for (int o = 0; o < groupOut; o++)
                for (int kk = 0; kk < k; kk++)
                {
                    int from = (grp * k + kk) * groupOut + o;
                    T total = partials[0][from];
                    for (int i = 1; i < chunks; i++) total += partials[i][from];
                    gw[(grp * groupOut + o) * k + kk] = total;
                }
    }

    /// <summary>
    /// Whether a weight-gradient group of m x n entries summed over k positions per image goes by row dot
    /// products: when m x n is small and k long, the GEMM would spend more time packing the operands than
    /// multiplying them (measured: 6x faster at 32 x 9 over 784 positions, 2x at 64 x 27; slower at 32 x 72
    /// over 196, where the GEMM's reuse of its packed blocks pays off).
    /// </summary>
    static bool UseRowDots(int m, int n, int k) => m * n <= 2048 && k >= 2 * (m + n);

    /// <summary>The bias gradient: per output channel, the sum of its gradient planes over the batch, accumulated in double.</summary>
    static Tensor Conv2dBiasGrad(Tensor gradOutput)
    {
        int batch = gradOutput.Size(0), channels = gradOutput.Size(1), plane = gradOutput.Size(2) * gradOutput.Size(3);
        var sums = Tensor.Uninitialized([channels], gradOutput.DType);
        if (gradOutput.DType == DType.Float32) KeptBlockSums.Sum(gradOutput.Data<float>(), gradOutput.StorageOffset, batch, channels, plane, sums.Data<float>());
        else KeptBlockSums.Sum(gradOutput.Data<double>(), gradOutput.StorageOffset, batch, channels, plane, sums.Data<double>());
        return sums;
    }
}
