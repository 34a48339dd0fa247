namespace DeepGen.Kernels;

/// <summary>
/// Mean and variance of contiguous blocks (one block per output element, as laid out by
/// <c>Tensor.ReductionLayout</c>). Accumulates in double; the variance is the corrected two-pass formula,
/// which stays accurate when the mean is large compared with the spread.
/// </summary>
internal static class Moments
{
    public static void Mean<T>(ReadOnlySpan<T> src, int blockLength, Span<T> mean) where T : unmanaged
    {
        for (int i = 0, o = 0; i < mean.Length; i++, o += blockLength)
        {
            double sum = 0;
            var block = src.Slice(o, blockLength);
            for (int j = 0; j < block.Length; j++) sum += Cast.ToDouble(block[j]);
            mean[i] = Cast.FromDouble<T>(sum / blockLength);
        }
    }

    /// <summary>
    /// Writes each block's mean and its variance with Bessel-style <paramref name="correction"/>:
    /// sum((x - mean)^2) / max(0, n - correction), as torch.var does (0/0 gives NaN).
    /// With <paramref name="sqrt"/> the square root is written instead (torch.std).
    /// </summary>
    public static void MeanVar<T>(ReadOnlySpan<T> src, int blockLength, Span<T> mean, Span<T> result, double correction, bool sqrt) where T : unmanaged
    {
        double divisor = Math.Max(0, blockLength - correction);
        for (int i = 0, o = 0; i < mean.Length; i++, o += blockLength)
        {
            var block = src.Slice(o, blockLength);
            double sum = 0;
            for (int j = 0; j < block.Length; j++) sum += Cast.ToDouble(block[j]);
            double m = sum / blockLength;
            // second pass; the compensation term removes the rounding error of m itself
            double squares = 0, deviations = 0;
            for (int j = 0; j < block.Length; j++)
            {
                double d = Cast.ToDouble(block[j]) - m;
                squares += d * d;
                deviations += d;
            }
            double m2 = Math.Max(0, squares - deviations * deviations / blockLength);
            double v = m2 / divisor;
            mean[i] = Cast.FromDouble<T>(m);
            result[i] = Cast.FromDouble<T>(sqrt ? Math.Sqrt(v) : v);
        }
    }
}
