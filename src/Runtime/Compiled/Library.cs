using System.ComponentModel;
using DeepGen.Autograd;
using DeepGen.Kernels;

namespace DeepGen.Compiled;

/// <summary>
/// The runtime kernels generated code calls for library ops (GEMM, convolution, pooling, normalisation,
/// softmax, dropout, embedding, reductions and views): the eager path's kernels, run without recording
/// autograd nodes (the compiled forward records one node of its own, see <see cref="Tape"/>). Statistics
/// that a backward reads (batch and layer norm's mean and inverse deviation) are kept in double, as the
/// eager kernels keep them. Part of the surface for generated code.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class Library
{
    // ---- GEMM ----

    /// <summary>x @ weight^T + bias, then ReLU when <paramref name="relu"/> (both applied by the GEMM as it stores the output).</summary>
    public static Tensor Linear(Tensor x, Tensor weight, Tensor? bias, bool relu = false) => F.CompiledLinear(x, weight, bias, relu);

    /// <summary>torch.matmul (transposed operands are read in place through their strides), then + bias (over the last dim) and ReLU.</summary>
    /// <summary>
    /// a @ b (+ bias, then ReLU); with <paramref name="into"/>, into + a @ b computed in into's buffer (a GEMM
    /// with beta = 1: the plan passes a product that nothing else reads), or as a new tensor when into cannot
    /// be written (not dense, a view, in autograd).
    /// </summary>
    public static Tensor MatMul(Tensor a, Tensor b, Tensor? bias = null, bool relu = false, Tensor? into = null)
    {
        using var _ = GradMode.NoGrad();
        if (into is not null)
            return Tensor.TryMatMulAccumulate(a, b, into) ? into : into + a.MatMul(b);
        var y = a.MatMul(b);
        if (bias is not null) y.Add_(bias);
        return relu ? y.Relu_() : y;
    }

    // ---- convolution and pooling ----

    public static Tensor Conv2d(Tensor x, Tensor weight, Tensor? bias, (int H, int W) stride, (int H, int W) padding, (int H, int W) dilation, int groups)
    {
        using var _ = GradMode.NoGrad();
        return F.Conv2d(x, weight, bias, stride, padding, dilation, groups);
    }

    /// <summary>The input gradient of conv2d; <paramref name="input"/> is read for its shape only.</summary>
    public static Tensor Conv2dInputGrad(Tensor gradOutput, Tensor weight, Tensor input, (int H, int W) stride, (int H, int W) padding, (int H, int W) dilation, int groups) =>
        F.CompiledConv2dInputGrad(gradOutput, weight, input, stride, padding, dilation, groups);

    /// <summary>The weight gradient of conv2d; <paramref name="weight"/> is read for its shape only.</summary>
    public static Tensor Conv2dWeightGrad(Tensor gradOutput, Tensor input, Tensor weight, (int H, int W) stride, (int H, int W) padding, (int H, int W) dilation, int groups) =>
        F.CompiledConv2dWeightGrad(gradOutput, input, weight, stride, padding, dilation, groups);

    /// <summary>Max pooling: the values and, per output, the flat index of its maximum within the plane (int64).</summary>
    public static (Tensor Values, Tensor Indices) MaxPool2d(Tensor x, (int H, int W) kernel, (int H, int W) stride, (int H, int W) padding, (int H, int W) dilation, bool ceilMode)
    {
        using var _ = GradMode.NoGrad();
        return F.MaxPool2dWithIndices(x, kernel, stride, padding, dilation, ceilMode);
    }

    /// <summary>Scatters the gradient to each window's maximum; <paramref name="input"/> is read for its shape only.</summary>
    public static Tensor MaxPool2dBackward(Tensor gradOutput, Tensor indices, Tensor input, (int H, int W) kernel, (int H, int W) stride, (int H, int W) padding,
        (int H, int W) dilation, bool ceilMode) =>
        F.CompiledMaxPool2dBackward(gradOutput, indices, input, kernel, stride, padding, dilation, ceilMode);

    public static Tensor AvgPool2d(Tensor x, (int H, int W) kernel, (int H, int W) stride, (int H, int W) padding, bool ceilMode, bool countIncludePad)
    {
        using var _ = GradMode.NoGrad();
        return F.AvgPool2d(x, kernel, stride, padding, ceilMode, countIncludePad);
    }

    /// <summary>Spreads the gradient over each window; <paramref name="input"/> is read for its shape only.</summary>
    public static Tensor AvgPool2dBackward(Tensor gradOutput, Tensor input, (int H, int W) kernel, (int H, int W) stride, (int H, int W) padding, bool ceilMode, bool countIncludePad) =>
        F.CompiledAvgPool2dBackward(gradOutput, input, kernel, stride, padding, ceilMode, countIncludePad);

    // ---- normalisation ----

    /// <summary>
    /// Batch norm with batch statistics (training): returns y and the per-channel mean and 1/sqrt(var + eps)
    /// (float64), and updates the running statistics as eager <see cref="BatchNormBase.Forward"/> does:
    /// <paramref name="numBatchesTracked"/> counts the batch, and a null <paramref name="momentum"/> means
    /// the cumulative average (factor 1 / batches); running_var tracks the unbiased variance.
    /// </summary>
    public static (Tensor Y, Tensor Mean, Tensor InvStd) BatchNormTrain(Tensor x, Tensor? weight, Tensor? bias, Tensor? runningMean, Tensor? runningVar,
        Tensor? numBatchesTracked, double? momentum, double eps)
    {
        using var _ = GradMode.NoGrad();
        if (x.Rank < 2) throw new ArgumentException($"batch_norm: expected an input of shape [N, C, *], got {Shapes.Format(x.Shape)}");
        int n = x.Size(0), channels = x.Size(1), inner = x.Numel / Math.Max(1, n * channels), count = n * inner;
        if (count <= 1)
            throw new ArgumentException($"batch_norm: expected more than 1 value per channel when training, got input size {Shapes.Format(x.Shape)}");

        double factor = BatchNormBase.CountBatch(momentum, numBatchesTracked);
        var mean = new double[channels];
        var invStd = new double[channels];
        var y = F.BatchNormWithBatchStatistics(x.RawContiguous(), runningMean, runningVar, weight?.ToArray<double>(), bias?.ToArray<double>(), factor, eps, mean, invStd);
        return (y, Tensor.FromArray(mean), Tensor.FromArray(invStd));
    }

    /// <summary>The gradients of training-mode batch norm: (dx, dweight, dbias), the last two null without a weight.</summary>
    public static (Tensor Dx, Tensor? DWeight, Tensor? DBias) BatchNormBackward(Tensor gradOutput, Tensor x, Tensor mean, Tensor invStd, Tensor? weight)
    {
        int channels = x.Size(1);
        var xs = x.RawContiguous();
        var gs = gradOutput.RawTo(xs.DType).RawContiguous();
        var gradInput = new Tensor(xs.ShapeArray(), xs.DType);
        var gradWeight = new double[channels];
        var gradBias = new double[channels];
        F.BatchNormGradients(xs, gs, gradInput, mean.ToArray<double>(), invStd.ToArray<double>(), weight?.ToArray<double>(), batchStatistics: true, gradWeight, gradBias);
        if (weight is null) return (gradInput, null, null);
        return (gradInput, Tensor.FromArray(gradWeight).To(weight.DType), Tensor.FromArray(gradBias).To(weight.DType));
    }

    /// <summary>Layer norm over the last dims: y and each row's mean and 1/std (float64, shaped [*, 1, ...]).</summary>
    public static (Tensor Y, Tensor Mean, Tensor Rstd) LayerNorm(Tensor x, Tensor? weight, Tensor? bias, int[] normalizedShape, double eps)
    {
        int d = Shapes.Numel(normalizedShape);
        int rows = d == 0 ? 0 : x.Numel / d;
        var mean = new double[rows];
        var rstd = new double[rows];
        // the kernels write every element (and fully write dx, dw, db in the backward): no zeroing first
        var y = Tensor.Uninitialized(x.ShapeArray(), x.DType);
        F.LayerNormRows(x.RawContiguous(), weight?.RawContiguous(), bias?.RawContiguous(), y, rows, d, eps, mean, rstd);
        int[] statsShape = [.. x.Shape[..^normalizedShape.Length], .. normalizedShape.Select(_ => 1)];
        return (y, Tensor.FromArray(mean).Reshape(statsShape), Tensor.FromArray(rstd).Reshape(statsShape));
    }

    /// <summary>The gradients of layer norm: (dx, dweight, dbias), the last two null where absent.</summary>
    public static (Tensor Dx, Tensor? DWeight, Tensor? DBias) LayerNormBackward(Tensor gradOutput, Tensor x, Tensor mean, Tensor rstd, Tensor? weight, int[] normalizedShape, bool hasBias)
    {
        int d = Shapes.Numel(normalizedShape);
        var xs = x.RawContiguous();
        var g = gradOutput.RawContiguous();
        var w = weight?.RawContiguous();
        var means = mean.ToArray<double>();
        var rstds = rstd.ToArray<double>();
        var dx = Tensor.Uninitialized(xs.ShapeArray(), xs.DType);
        var dw = weight is null ? null : Tensor.Uninitialized(normalizedShape, xs.DType);
        var db = hasBias ? Tensor.Uninitialized(normalizedShape, xs.DType) : null;
        F.LayerNormRowsBackward(xs, w, g, means.Length, d, means, rstds, dx, dw, db);
        return (dx, dw, db);
    }

    // ---- attention ----

    /// <summary>
    /// Scaled dot-product attention on the eager op's fused kernel: the output (laid out as the query is, so
    /// merging heads back is a view) and each query row's log-sum-exp, which the backward reads instead of
    /// the [L, S] weights. A null <paramref name="scale"/> means 1/sqrt(E).
    /// </summary>
    public static (Tensor Output, Tensor LogSumExp) ScaledDotProductAttention(Tensor query, Tensor key, Tensor value, bool isCausal, double? scale) =>
        FusedAttention.Forward(query, key, value, isCausal, scale ?? 1.0 / Math.Sqrt(query.Size(-1)));

    /// <summary>The gradients of scaled dot-product attention, (dQuery, dKey, dValue), from the forward's output and log-sum-exp.</summary>
    public static (Tensor GradQuery, Tensor GradKey, Tensor GradValue) ScaledDotProductAttentionBackward(Tensor gradOutput, Tensor query, Tensor key, Tensor value,
        Tensor output, Tensor logSumExp, bool isCausal, double? scale) =>
        FusedAttention.Backward(gradOutput, query, key, value, output, logSumExp, isCausal, scale ?? 1.0 / Math.Sqrt(query.Size(-1)));

    // ---- softmax, dropout, embedding ----

    public static Tensor Softmax(Tensor x, int dim, bool log)
    {
        using var _ = GradMode.NoGrad();
        return log ? x.LogSoftmax(dim) : x.Softmax(dim);
    }

    /// <summary>The input gradient of softmax (or log_softmax) from its output <paramref name="y"/>.</summary>
    public static Tensor SoftmaxBackward(Tensor gradOutput, Tensor y, int dim, bool log)
    {
        var ys = y.RawContiguous();
        var g = gradOutput.RawTo(ys.DType).RawContiguous();
        return Tensor.SoftmaxBackward(ys, g, Shapes.NormalizeDim(dim, ys.Rank, log ? "log_softmax" : "softmax"), log);
    }

    /// <summary>
    /// Inverted dropout in training: (x * mask, mask) with the mask (0 or 1/(1-p)) drawn from
    /// <see cref="Generator.Default"/> exactly as eager <see cref="F.Dropout"/> draws it, so a seeded compiled
    /// run drops the same elements as the eager one. p = 0 and p = 1 draw nothing, as in eager.
    /// </summary>
    public static (Tensor Y, Tensor Mask) Dropout(Tensor x, double p)
    {
        using var _ = GradMode.NoGrad();
        if (!(p >= 0 && p <= 1)) throw new ArgumentOutOfRangeException(nameof(p), $"dropout: probability has to be between 0 and 1, but got {p}");
        Tensor mask = p == 0 || x.Numel == 0 ? Tensor.Ones(x.ShapeArray(), x.DType)
            : p == 1 ? Tensor.Zeros(x.ShapeArray(), x.DType)
            : F.CompiledDropoutMask(x.ShapeArray(), x.DType, p, Generator.Default);
        return (x * mask, mask);
    }

    public static Tensor Embedding(Tensor indices, Tensor weight, long? paddingIdx)
    {
        using var _ = GradMode.NoGrad();
        return F.Embedding(indices, weight, paddingIdx);
    }

    /// <summary>The weight gradient of embedding: rows of <paramref name="gradOutput"/> added at their indices; <paramref name="weight"/> is read for its shape only.</summary>
    public static Tensor EmbeddingBackward(Tensor gradOutput, Tensor indices, Tensor weight, long? paddingIdx)
    {
        using var _ = GradMode.NoGrad();
        int dim = weight.Size(1);
        var grad = Tensor.Zeros(weight.ShapeArray(), gradOutput.DType).IndexAdd_(0, indices.Reshape(-1), gradOutput.Reshape(-1, dim));
        if (paddingIdx is { } row) grad.Select(0, (int)(row < 0 ? row + weight.Size(0) : row)).Zero_();
        return grad;
    }

    // ---- reductions and broadcasts ----

    public static Tensor Sum(Tensor x, int[] dims, bool keepdim)
    {
        using var _ = GradMode.NoGrad();
        return x.Sum(dims, keepdim);
    }

    public static Tensor Mean(Tensor x, int[] dims, bool keepdim)
    {
        using var _ = GradMode.NoGrad();
        return x.Mean(dims, keepdim);
    }

    public static Tensor Amax(Tensor x, int[] dims, bool keepdim)
    {
        using var _ = GradMode.NoGrad();
        return x.Amax(dims, keepdim);
    }

    /// <summary>Sums a broadcast gradient back to the shape of <paramref name="like"/> (read for its shape only).</summary>
    public static Tensor SumTo(Tensor gradient, Tensor like)
    {
        using var _ = GradMode.NoGrad();
        return gradient.SumToShape(like.ShapeArray(), "sum_to");
    }

    /// <summary>The gradient of sum: the reduced gradient spread over <paramref name="like"/>'s shape.</summary>
    public static Tensor SumBackward(Tensor gradient, Tensor like, int[] dims, bool keepdim) => Spread(gradient, like, dims, keepdim, mean: false);

    /// <summary>The gradient of mean: as sum's, divided by the number of elements each output averaged.</summary>
    public static Tensor MeanBackward(Tensor gradient, Tensor like, int[] dims, bool keepdim) => Spread(gradient, like, dims, keepdim, mean: true);

    /// <summary><paramref name="x"/> broadcast to <paramref name="like"/>'s shape, materialised.</summary>
    public static Tensor ExpandAs(Tensor x, Tensor like)
    {
        using var _ = GradMode.NoGrad();
        return x.Expand(like.ShapeArray()).Contiguous();
    }

    /// <summary>
    /// Hands the buffers of <paramref name="dead"/> to <see cref="StoragePool"/>: tensors the generated code made
    /// as buffers of its own and reads no more (the generator's list). Any that shares its storage with a
    /// tensor of <paramref name="kept"/> or <paramref name="alsoKept"/> (what the method returns or still
    /// holds) stays, and so does any a view may read (see <see cref="StoragePool.Recycle"/>).
    /// </summary>
    public static void Recycle(Tensor?[] dead, Tensor?[] kept, Tensor?[]? alsoKept = null)
    {
        foreach (var t in dead)
            if (OwnsItsBuffer(t, kept, alsoKept)) StoragePool.Recycle(t);
    }

    /// <summary>Disposes the tensors of <paramref name="dead"/> that share no storage with <paramref name="kept"/> or <paramref name="alsoKept"/>.</summary>
    internal static void DisposeUnshared(Tensor?[] dead, Tensor?[] kept, Tensor?[] alsoKept)
    {
        foreach (var t in dead)
            if (OwnsItsBuffer(t, kept, alsoKept)) t.Dispose();
    }

    /// <summary>Whether <paramref name="t"/> is a tensor whose storage none of <paramref name="kept"/> and <paramref name="alsoKept"/> shares.</summary>
    static bool OwnsItsBuffer([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] Tensor? t, Tensor?[] kept, Tensor?[]? alsoKept) =>
        t is not null && !SharesBuffer(t, kept) && (alsoKept is null || !SharesBuffer(t, alsoKept));

    /// <summary>Whether <paramref name="t"/> shares its storage with one of <paramref name="others"/>.</summary>
    static bool SharesBuffer(Tensor t, IEnumerable<Tensor?> others)
    {
        foreach (var o in others)
            if (o is not null && o.Storage == t.Storage) return true;
        return false;
    }

    /// <summary>
    /// Disposes the tensors in <paramref name="dead"/> (a compiled method's own, views included) except those that
    /// are, as objects, in <paramref name="kept"/> or <paramref name="sources"/> (an op may hand back its input):
    /// a buffer goes back to the pool once no tensor over it is left undisposed (see <see cref="Tensor.Dispose()"/>).
    /// </summary>
    public static void Release(Tensor?[] dead, Tensor?[] kept, Tensor?[] sources)
    {
        foreach (var t in dead)
        {
            if (t is null || Array.Exists(kept, k => ReferenceEquals(k, t)) || Array.Exists(sources, s => ReferenceEquals(s, t))) continue;
            t.Dispose();
        }
    }

    /// <summary>A stand-in that carries only <paramref name="t"/>'s shape and dtype (one element, broadcast): what a backward keeps of a shape-only saved value.</summary>
    public static Tensor ShapeOf(Tensor t)
    {
        using var _ = GradMode.NoGrad();
        return Tensor.Zeros([1], t.DType).Expand(t.ShapeArray());
    }

    static Tensor Spread(Tensor gradient, Tensor like, int[] dims, bool keepdim, bool mean)
    {
        using var _ = GradMode.NoGrad();
        int rank = like.Rank;
        var reduced = dims.Length == 0 ? Enumerable.Range(0, rank).ToArray() : dims.Select(d => Shapes.NormalizeDim(d, rank, "sum")).Distinct().OrderBy(d => d).ToArray();
        var g = gradient;
        if (!keepdim)
            foreach (int d in reduced) g = g.Unsqueeze(d);
        var result = g.Expand(like.ShapeArray()).Contiguous();
        if (!mean) return result;
        int count = reduced.Aggregate(1, (n, d) => n * like.Size(d));
        return result.Div_(Tensor.Scalar(count, result.DType));
    }

    // ---- views (no copies) ----

    public static Tensor Reshape(Tensor x, params int[] shape)
    {
        using var _ = GradMode.NoGrad();
        return x.Reshape(shape);
    }

    public static Tensor ReshapeAs(Tensor x, Tensor like) => Reshape(x, like.ShapeArray());

    public static Tensor Flatten(Tensor x, int start, int end)
    {
        using var _ = GradMode.NoGrad();
        return x.Flatten(start, end);
    }

    public static Tensor Transpose(Tensor x, int dim0, int dim1)
    {
        using var _ = GradMode.NoGrad();
        return x.Transpose(dim0, dim1);
    }

    public static Tensor Permute(Tensor x, params int[] dims)
    {
        using var _ = GradMode.NoGrad();
        return x.Permute(dims);
    }

    public static Tensor Unsqueeze(Tensor x, int dim)
    {
        using var _ = GradMode.NoGrad();
        return x.Unsqueeze(dim);
    }

    public static Tensor Squeeze(Tensor x, int? dim)
    {
        using var _ = GradMode.NoGrad();
        return dim is { } d ? x.Squeeze(d) : x.Squeeze();
    }

    public static Tensor Contiguous(Tensor x) => x.Contiguous();

    public static Tensor Narrow(Tensor x, int dim, int start, int length)
    {
        using var _ = GradMode.NoGrad();
        return x.Narrow(dim, start, length);
    }

    /// <summary>The gradient of narrow: <paramref name="gradient"/> in zeros shaped like <paramref name="like"/> (read for its shape only).</summary>
    public static Tensor NarrowBackward(Tensor gradient, Tensor like, int dim, int start, int length)
    {
        using var _ = GradMode.NoGrad();
        int d = Shapes.NormalizeDim(dim, like.Rank, "narrow_backward");
        int first = start < 0 ? start + like.Size(d) : start;
        return Tensor.SliceGradient(gradient, like.ShapeArray(), d, first, first + length, 1, "narrow_backward");
    }

    // ---- joining ----

    public static Tensor Cat(int dim, params Tensor[] tensors)
    {
        using var _ = GradMode.NoGrad();
        return Tensor.Cat(tensors, dim);
    }

    public static Tensor Stack(int dim, params Tensor[] tensors)
    {
        using var _ = GradMode.NoGrad();
        return Tensor.Stack(tensors, dim);
    }

    /// <summary>Input <paramref name="index"/>'s slice of cat's gradient, in its dtype; <paramref name="inputs"/> are read for their sizes only.</summary>
    public static Tensor CatBackward(Tensor gradient, int dim, int index, params Tensor[] inputs)
    {
        using var _ = GradMode.NoGrad();
        var piece = inputs[index];
        // a 1-d empty input took no part in the cat (PyTorch's legacy rule) and gets an empty gradient
        if (Tensor.IsSkippedInCat(piece)) return Tensor.Zeros([0], piece.DType);
        int d = Shapes.NormalizeDim(dim, gradient.Rank, "cat_backward");
        int start = 0;
        for (int i = 0; i < index; i++)
            if (!Tensor.IsSkippedInCat(inputs[i])) start += inputs[i].Size(d);
        return gradient.Narrow(d, start, piece.Size(d)).To(piece.DType);
    }

    /// <summary>The slice of stack's gradient at <paramref name="index"/> along dim, in the dtype of <paramref name="like"/> (read for its dtype only).</summary>
    public static Tensor StackBackward(Tensor gradient, Tensor like, int dim, int index)
    {
        using var _ = GradMode.NoGrad();
        return gradient.Select(dim, index).To(like.DType);
    }
}
