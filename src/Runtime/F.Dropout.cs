using System.Numerics;
using DeepGen.Autograd;
using DeepGen.Kernels;

namespace DeepGen;

public static partial class F
{
    /// <summary>
    /// Inverted dropout: in training, zeroes each element with probability <paramref name="p"/> and scales the
    /// rest by 1 / (1 - p), so the expected value is unchanged; outside training it returns <paramref name="x"/>.
    /// The mask comes from <paramref name="generator"/> (default <see cref="Generator.Default"/>), drawn in
    /// row-major order, so a seeded run is reproducible; the gradient is masked and scaled the same way.
    /// </summary>
    public static Tensor Dropout(Tensor x, double p = 0.5, bool training = true, Generator? generator = null)
    {
        if (!(p >= 0 && p <= 1))
            throw new ArgumentOutOfRangeException(nameof(p), $"dropout: probability has to be between 0 and 1, but got {p}");
        if (!training || p == 0 || x.Numel == 0) return x;
        if (!x.DType.IsFloatingPoint())
            throw new ArgumentException($"dropout: expected a floating point tensor, got {x.DType.Name()} (shape {Shapes.Format(x.Shape)})");
        // as PyTorch: multiply by zero, so NaN and infinity still propagate and the gradient is zero
        if (p == 1) return x * Tensor.Scalar(0, x.DType);

        var mask = DropoutMask(x.shape, x.DType, p, generator ?? Generator.Default);
        var result = Elementwise.Binary<MulFn>(x, mask, "dropout");
        if (GradMode.ShouldRecord(x))
        {
            var node = new Node("dropout", x);
            node.SetBackward(g => [g * mask]);
            result.WithGradFn(node);
        }
        return result;
    }

    /// <summary>
    /// A contiguous mask holding 0 with probability p and 1 / (1 - p) otherwise. Each 64-bit draw decides two
    /// elements: its low 32 bits the first, its high 32 bits the second; an element is dropped when its 32-bit
    /// uniform value is below round(p * 2^32), so p is honoured to within 2^-33.
    /// </summary>
    static Tensor DropoutMask(int[] shape, DType dtype, double p, Generator generator)
    {
        var mask = Tensor.Zeros(shape, dtype);
        long threshold = (long)Math.Round(p * 4294967296.0);
        if (dtype == DType.Float32) FillMask(mask.ContiguousSpan<float>(), threshold, (float)(1 / (1 - p)), generator);
        else FillMask(mask.ContiguousSpan<double>(), threshold, 1 / (1 - p), generator);
        return mask;
    }

    static void FillMask<T>(Span<T> mask, long threshold, T scale, Generator generator) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < mask.Length; i += 2)
        {
            ulong bits = generator.NextUInt64();
            mask[i] = scale * Kept<T>(bits & uint.MaxValue, threshold);
            if (i + 1 < mask.Length) mask[i + 1] = scale * Kept<T>(bits >> 32, threshold);
        }
    }

    /// <summary>1 when the 32-bit uniform is at least the threshold, else 0: the sign bit of threshold - 1 - uniform, without a branch to mispredict.</summary>
    static T Kept<T>(ulong uniform, long threshold) where T : unmanaged, IFloatingPointIeee754<T> =>
        T.CreateTruncating((int)((ulong)(threshold - 1 - (long)uniform) >> 63));
}
