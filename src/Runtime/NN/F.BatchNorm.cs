using DeepGen.Autograd;
using DeepGen.Kernels;

namespace DeepGen;

public static partial class F
{
    /// <summary>
    /// Training-mode batch norm of a contiguous [N, C, *] input without autograd: normalises with the batch's
    /// statistics (biased variance) into a new tensor, fills <paramref name="mean"/> and
    /// <paramref name="invStd"/> per channel, and updates the running statistics in place with
    /// <paramref name="momentum"/> (running_var tracks the unbiased variance, as PyTorch does). Shared by
    /// the eager op and the compiled path.
    /// </summary>
    internal static Tensor BatchNormWithBatchStatistics(Tensor x, Tensor? runningMean, Tensor? runningVar, double[]? gamma, double[]? beta,
        double momentum, double eps, double[] mean, double[] invStd)
    {
        int n = x.Size(0), channels = x.Size(1), inner = x.Numel / Math.Max(1, n * channels), count = n * inner;
        var variance = new double[channels];
        var result = new Tensor(x.ShapeArray(), x.DType);
        if (x.DType == DType.Float32)
            BatchNormKernels.TrainForward(x.Data<float>(), x.StorageOffset, result.Data<float>(), n, channels, inner, eps, gamma, beta, mean, variance, invStd);
        else
            BatchNormKernels.TrainForward(x.Data<double>(), x.StorageOffset, result.Data<double>(), n, channels, inner, eps, gamma, beta, mean, variance, invStd);
        using (GradMode.NoGrad())
        {
            runningMean?.Mul_(1 - momentum).Add_(Tensor.FromArray(mean).To(runningMean.DType) * momentum);
            runningVar?.Mul_(1 - momentum).Add_(Tensor.FromArray(variance).To(runningVar.DType) * (momentum * count / (count - 1)));
        }

        return result;
    }

    /// <summary>
    /// Batch norm's gradients from contiguous x and gradient of one dtype: the input's into
    /// <paramref name="gradInput"/> when given, the per-channel weight and bias gradients into the arrays.
    /// <paramref name="batchStatistics"/>: the forward normalised with the batch's own statistics (training).
    /// Shared by the eager op and the compiled path.
    /// </summary>
    internal static void BatchNormGradients(Tensor xs, Tensor gs, Tensor? gradInput, double[] mean, double[] invStd, double[]? gamma, bool batchStatistics,
        double[] gradWeight, double[] gradBias)
    {
        int n = xs.Size(0), channels = xs.Size(1), inner = xs.Numel / Math.Max(1, n * channels);
        if (xs.DType == DType.Float32)
            BatchNormKernels.Backward(xs.Data<float>(), xs.StorageOffset, gs.Data<float>(), gs.StorageOffset, gradInput?.Data<float>(),
                n, channels, inner, mean, invStd, gamma, batchStatistics, gradWeight, gradBias);
        else
            BatchNormKernels.Backward(xs.Data<double>(), xs.StorageOffset, gs.Data<double>(), gs.StorageOffset, gradInput?.Data<double>(),
                n, channels, inner, mean, invStd, gamma, batchStatistics, gradWeight, gradBias);
    }

    /// <summary>
    /// Batch normalisation over dim 1 of an [N, C, *] input (PyTorch's <c>F.batch_norm</c>). In training it
    /// normalises with the batch's statistics (biased variance) and updates the running ones in place
    /// (unbiased variance, <paramref name="momentum"/>); otherwise it uses the running statistics.
    /// </summary>
    public static Tensor BatchNorm(Tensor input, Tensor? runningMean, Tensor? runningVar, Tensor? weight = null, Tensor? bias = null,
        bool training = false, double momentum = 0.1, double eps = 1e-5)
    {
        if (input.Rank < 2)
            throw new ArgumentException($"batch_norm: expected an input of shape [N, C, *], got {Shapes.Format(input.Shape)}");
        if (!input.DType.IsFloatingPoint())
            throw new ArgumentException($"batch_norm: expected a floating point input, got {input.DType.Name()}");
        int channels = input.Size(1);
        foreach (var (name, t) in new[] { ("weight", weight), ("bias", bias), ("running_mean", runningMean), ("running_var", runningVar) })
            if (t is not null && (t.Rank != 1 || t.Size(0) != channels))
                throw new ArgumentException($"batch_norm: {name} of shape {Shapes.Format(t.Shape)} does not match the {channels} channels of input {Shapes.Format(input.Shape)}");
        if (!training && (runningMean is null || runningVar is null))
            throw new ArgumentException("batch_norm: running_mean and running_var are needed when not training");

        int n = input.Size(0), inner = input.Numel / Math.Max(1, n * channels);
        int count = n * inner;
        if (training && count <= 1)
            throw new ArgumentException($"batch_norm: expected more than 1 value per channel when training, got input size {Shapes.Format(input.Shape)}");

        var x = input.RawContiguous();
        var mean = new double[channels];
        var invStd = new double[channels];
        var gamma = weight?.ToArray<double>();
        var beta = bias?.ToArray<double>();
        Tensor result;
        if (training)
        {
            result = BatchNormWithBatchStatistics(x, runningMean, runningVar, gamma, beta, momentum, eps, mean, invStd);
        }
        else
        {
            result = new Tensor(input.ShapeArray(), input.DType);
            var rm = runningMean!.ToArray<double>();
            var rv = runningVar!.ToArray<double>();
            for (int c = 0; c < channels; c++)
            {
                mean[c] = rm[c];
                invStd[c] = 1 / Math.Sqrt(rv[c] + eps);
            }
            if (x.DType == DType.Float32)
                BatchNormKernels.EvalForward(x.Data<float>(), x.StorageOffset, result.Data<float>(), n, channels, inner, gamma, beta, mean, invStd);
            else
                BatchNormKernels.EvalForward(x.Data<double>(), x.StorageOffset, result.Data<double>(), n, channels, inner, gamma, beta, mean, invStd);
        }

        Tensor[] inputs = [input, weight ?? Tensor.Zeros(0), bias ?? Tensor.Zeros(0)];
        if (GradMode.ShouldRecord(inputs))
        {
            var node = new Node("batch_norm", inputs);
            var saved = node.Save(input);
            var savedWeight = weight is null ? null : node.Save(weight);
            node.SetBackward(g =>
            {
                var xs = saved.Get().RawContiguous();
                var gs = g.RawTo(xs.DType).RawContiguous();
                var gammaNow = savedWeight?.Get().ToArray<double>();
                var gradInput = node.NeedsGrad(0) ? new Tensor(xs.ShapeArray(), xs.DType) : null;
                var gradWeight = new double[channels];
                var gradBias = new double[channels];
                BatchNormGradients(xs, gs, gradInput, mean, invStd, gammaNow, training, gradWeight, gradBias);
                return [gradInput, weight is null ? null : Tensor.FromArray(gradWeight).To(weight.DType), bias is null ? null : Tensor.FromArray(gradBias).To(bias.DType)];
            });
            result.WithGradFn(node);
        }
        return result;
    }
}

/// <summary>
/// Per-channel loops of batch norm over a contiguous [N, C, inner] layout, accumulating in double. A channel is
/// N rows of <c>inner</c> elements; channels are independent, so large inputs are split over threads by channel.
/// </summary>
internal static class BatchNormKernels
{
    /// <summary>Work per channel for the parallel split; channels of short rows interleave in memory, so they stay on one thread.</summary>
    static long ChannelWork(int n, int inner, int passes) => inner >= 16 ? (long)passes * n * inner : 0;

    /// <summary>
    /// Each channel's batch mean and biased variance, then the normalisation y = (x - mean) * invStd * gamma + beta.
    /// The statistics take one pass over deviations d from a shift, the channel's first element: in double,
    /// sum(d^2) - sum(d)^2 / M loses next to nothing to cancellation while the shift lies within a few
    /// standard deviations of the mean, as a sample of the channel does unless it is a far outlier (which then
    /// dominates the variance anyway). The normalisation then reads the channel again while it is in cache.
    /// </summary>
    public static void TrainForward<T>(T[] x, int xOffset, T[] y, int n, int channels, int inner, double eps, double[]? gamma, double[]? beta,
        double[] mean, double[] variance, double[] invStd)
        where T : unmanaged =>
        Parallelism.For(channels, ChannelWork(n, inner, 3), (c, _) =>
        {
            double count = (double)n * inner, shift = Cast.ToDouble(x[xOffset + c * inner]), squares = 0, deviations = 0;
            for (int b = 0; b < n; b++)
            {
                var (s, d) = WideSums.Deviations<T>(x.AsSpan(xOffset + (b * channels + c) * inner, inner), shift);
                squares += s;
                deviations += d;
            }
            double v = Math.Max(0, squares - deviations * deviations / count) / count;
            mean[c] = shift + deviations / count;
            variance[c] = v;
            invStd[c] = 1 / Math.Sqrt(v + eps);
            NormalizeChannel(x, xOffset, y, n, channels, inner, c, gamma, beta, mean[c], invStd[c]);
        });

    /// <summary>y = (x - mean) * invStd * gamma + beta with given statistics.</summary>
    public static void EvalForward<T>(T[] x, int xOffset, T[] y, int n, int channels, int inner, double[]? gamma, double[]? beta, double[] mean, double[] invStd)
        where T : unmanaged =>
        Parallelism.For(channels, ChannelWork(n, inner, 2), (c, _) => NormalizeChannel(x, xOffset, y, n, channels, inner, c, gamma, beta, mean[c], invStd[c]));

    static void NormalizeChannel<T>(T[] x, int xOffset, T[] y, int n, int channels, int inner, int c, double[]? gamma, double[]? beta, double mean, double invStd)
        where T : unmanaged
    {
        double scale = invStd * (gamma?[c] ?? 1), shift = (beta?[c] ?? 0) - mean * scale;
        for (int b = 0; b < n; b++)
        {
            int start = (b * channels + c) * inner;
            WideSums.Affine<T>(x.AsSpan(xOffset + start, inner), y.AsSpan(start, inner), scale, shift);
        }
    }

    /// <summary>
    /// Per channel: gradBias = sum(g), gradWeight = sum(g * xhat) with xhat = (x - mean) * invStd, and (when
    /// <paramref name="gradInput"/> is given) with batch statistics
    /// dx = gamma * invStd / M * (M * g - sum(g) - xhat * sum(g * xhat)); with running statistics the mean and
    /// invStd are constants: dx = g * gamma * invStd.
    /// </summary>
    public static void Backward<T>(T[] x, int xOffset, T[] g, int gOffset, T[]? gradInput, int n, int channels, int inner,
        double[] mean, double[] invStd, double[]? gamma, bool batchStatistics, double[] gradWeight, double[] gradBias)
        where T : unmanaged =>
        Parallelism.For(channels, ChannelWork(n, inner, 4), (c, _) =>
        {
            double sumG = 0, sumGD = 0, mu = mean[c];
            for (int b = 0; b < n; b++)
            {
                int start = (b * channels + c) * inner;
                var (sg, sgd) = WideSums.GradientSums<T>(g.AsSpan(gOffset + start, inner), x.AsSpan(xOffset + start, inner), mu);
                sumG += sg;
                sumGD += sgd;
            }
            gradBias[c] = sumG;
            gradWeight[c] = sumGD * invStd[c];
            if (gradInput is null) return;
            double count = (double)n * inner, scale = (gamma?[c] ?? 1) * invStd[c];
            // dx = g * scale + (x - mean) * slope + shift: the batch statistics' terms folded into two constants
            double slope = -scale * invStd[c] * gradWeight[c] / count, shift = -scale * sumG / count;
            for (int b = 0; b < n; b++)
            {
                int start = (b * channels + c) * inner;
                var gRow = g.AsSpan(gOffset + start, inner);
                var dxRow = gradInput.AsSpan(start, inner);
                if (batchStatistics) WideSums.TwoTerm<T>(gRow, x.AsSpan(xOffset + start, inner), dxRow, scale, mu, slope, shift);
                else WideSums.Affine<T>(gRow, dxRow, scale, 0);
            }
        });
}
