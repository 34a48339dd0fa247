namespace DeepGen.Kernels;

/// <summary>
/// Sums of a contiguous tensor viewed as [outer, kept, inner] over its outer and inner dims, one per kept
/// index: a convolution's bias gradient (per channel, over batch and plane), or any sum whose reduced dims
/// are the leading and trailing ones. Each sum adds contiguous runs of <c>inner</c> elements in double
/// (<see cref="WideSums"/>) and is rounded once; the kept indices are split over threads. No transposed
/// copy is made, which the general reduction (kept dims first, reduced dims last) would need.
/// </summary>
internal static class KeptBlockSums
{
    /// <summary>Runs shorter than this are left to the general reduction: a vector loop per run would not pay.</summary>
    public const int MinInner = 8;

    public static void Sum<T>(T[] x, int offset, int outer, int kept, int inner, T[] result) where T : unmanaged =>
        Parallelism.For(kept, (long)outer * inner, (k, _) =>
        {
            double sum = 0;
            for (int o = 0; o < outer; o++) sum += WideSums.Sum<T>(x.AsSpan(offset + (o * kept + k) * inner, inner));
            result[k] = Cast.FromDouble<T>(sum);
        });
}
