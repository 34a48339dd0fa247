using System.Numerics;
using DeepGen.Autograd;

namespace DeepGen;

public static partial class F
{
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
        if (training)
        {
            var variance = new double[channels];
            if (x.DType == DType.Float32) BatchNormKernels.Statistics<float>(x, n, channels, inner, mean, variance);
            else BatchNormKernels.Statistics<double>(x, n, channels, inner, mean, variance);
            for (int c = 0; c < channels; c++) invStd[c] = 1 / Math.Sqrt(variance[c] + eps);
            using (GradMode.NoGrad())
            {
                // running_var tracks the unbiased variance, as PyTorch does
                runningMean?.Mul_(1 - momentum).Add_(Tensor.FromArray(mean).To(runningMean.DType) * momentum);
                runningVar?.Mul_(1 - momentum).Add_(Tensor.FromArray(variance).To(runningVar.DType) * (momentum * count / (count - 1)));
            }
        }
        else
        {
            var rm = runningMean!.ToArray<double>();
            var rv = runningVar!.ToArray<double>();
            for (int c = 0; c < channels; c++)
            {
                mean[c] = rm[c];
                invStd[c] = 1 / Math.Sqrt(rv[c] + eps);
            }
        }

        var gamma = weight?.ToArray<double>();
        var beta = bias?.ToArray<double>();
        var result = new Tensor(input.ShapeArray(), input.DType);
        if (x.DType == DType.Float32) BatchNormKernels.Normalize<float>(x, result, n, channels, inner, mean, invStd, gamma, beta);
        else BatchNormKernels.Normalize<double>(x, result, n, channels, inner, mean, invStd, gamma, beta);

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
                var (gradInput, gradWeight, gradBias) = xs.DType == DType.Float32
                    ? BatchNormKernels.Backward<float>(xs, gs, n, channels, inner, mean, invStd, gammaNow, training)
                    : BatchNormKernels.Backward<double>(xs, gs, n, channels, inner, mean, invStd, gammaNow, training);
                return [node.NeedsGrad(0) ? gradInput : null, weight is null ? null : gradWeight.To(weight.DType), bias is null ? null : gradBias.To(bias.DType)];
            });
            result.WithGradFn(node);
        }
        return result;
    }
}

/// <summary>Per-channel loops of batch norm over a contiguous [N, C, inner] layout, accumulating in double.</summary>
internal static class BatchNormKernels
{
    public static void Statistics<T>(Tensor x, int n, int channels, int inner, double[] mean, double[] variance)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var data = x.ContiguousSpan<T>();
        double count = (double)n * inner;
        for (int c = 0; c < channels; c++)
        {
            double sum = 0;
            for (int b = 0; b < n; b++)
            {
                var row = data.Slice((b * channels + c) * inner, inner);
                foreach (var v in row) sum += double.CreateTruncating(v);
            }
            double mu = sum / count, squares = 0;
            for (int b = 0; b < n; b++)
            {
                var row = data.Slice((b * channels + c) * inner, inner);
                foreach (var v in row)
                {
                    double d = double.CreateTruncating(v) - mu;
                    squares += d * d;
                }
            }
            mean[c] = mu;
            variance[c] = squares / count;
        }
    }

    public static void Normalize<T>(Tensor x, Tensor result, int n, int channels, int inner, double[] mean, double[] invStd, double[]? gamma, double[]? beta)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var src = x.ContiguousSpan<T>();
        var dst = result.ContiguousSpan<T>();
        for (int b = 0; b < n; b++)
            for (int c = 0; c < channels; c++)
            {
                double scale = invStd[c] * (gamma?[c] ?? 1), shift = (beta?[c] ?? 0) - mean[c] * scale;
                int start = (b * channels + c) * inner;
                for (int i = start; i < start + inner; i++) dst[i] = T.CreateTruncating(double.CreateTruncating(src[i]) * scale + shift);
            }
    }

    /// <summary>
    /// With batch statistics: dx = gamma * invStd / M * (M * g - sum(g) - xhat * sum(g * xhat)).
    /// With running statistics the mean and invStd are constants: dx = g * gamma * invStd.
    /// </summary>
    public static (Tensor Input, Tensor Weight, Tensor Bias) Backward<T>(Tensor x, Tensor g, int n, int channels, int inner,
        double[] mean, double[] invStd, double[]? gamma, bool batchStatistics)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var xs = x.ContiguousSpan<T>();
        var gs = g.ContiguousSpan<T>();
        var gradInput = new Tensor(x.ShapeArray(), x.DType);
        var dx = gradInput.ContiguousSpan<T>();
        var gradWeight = new double[channels];
        var gradBias = new double[channels];
        double count = (double)n * inner;
        for (int c = 0; c < channels; c++)
        {
            double sumG = 0, sumGXhat = 0;
            for (int b = 0; b < n; b++)
            {
                int start = (b * channels + c) * inner;
                for (int i = start; i < start + inner; i++)
                {
                    double gv = double.CreateTruncating(gs[i]);
                    sumG += gv;
                    sumGXhat += gv * (double.CreateTruncating(xs[i]) - mean[c]) * invStd[c];
                }
            }
            gradBias[c] = sumG;
            gradWeight[c] = sumGXhat;
            double scale = (gamma?[c] ?? 1) * invStd[c];
            for (int b = 0; b < n; b++)
            {
                int start = (b * channels + c) * inner;
                for (int i = start; i < start + inner; i++)
                {
                    double gv = double.CreateTruncating(gs[i]);
                    double value = batchStatistics
                        ? scale / count * (count * gv - sumG - (double.CreateTruncating(xs[i]) - mean[c]) * invStd[c] * sumGXhat)
                        : scale * gv;
                    dx[i] = T.CreateTruncating(value);
                }
            }
        }
        return (gradInput, Tensor.FromArray(gradWeight), Tensor.FromArray(gradBias));
    }
}
