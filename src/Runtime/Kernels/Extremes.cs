using System.Numerics;

namespace DeepGen.Kernels;

/// <summary>Chooses between two candidates of a max/min reduction.</summary>
internal interface IPick
{
    /// <summary>Whether <paramref name="candidate"/> beats the current <paramref name="best"/> (strictly: ties keep the first).</summary>
    static abstract bool Better<T>(T candidate, T best) where T : unmanaged, INumber<T>;
}

internal struct PickMax : IPick
{
    public static bool Better<T>(T candidate, T best) where T : unmanaged, INumber<T> => candidate > best;
}

internal struct PickMin : IPick
{
    public static bool Better<T>(T candidate, T best) where T : unmanaged, INumber<T> => candidate < best;
}

/// <summary>
/// Max/min over contiguous blocks, with the position of the winner in its block, and the backward
/// kernels that route a gradient to the winner (max(dim)) or split it among ties (max(), amax).
/// NaN wins over everything, and the first NaN is reported, as PyTorch propagates NaN through max and min.
/// </summary>
internal static class Extremes
{
    public static void Reduce<T, TPick>(ReadOnlySpan<T> src, int blockLength, Span<T> values, Span<long> indices)
        where T : unmanaged, INumber<T> where TPick : struct, IPick
    {
        for (int i = 0, o = 0; i < values.Length; i++, o += blockLength)
        {
            var block = src.Slice(o, blockLength);
            T best = block[0];
            int index = 0;
            if (!T.IsNaN(best))
            {
                for (int j = 1; j < block.Length; j++)
                {
                    T v = block[j];
                    if (T.IsNaN(v)) { best = v; index = j; break; }
                    if (TPick.Better(v, best)) { best = v; index = j; }
                }
            }
            values[i] = best;
            if (!indices.IsEmpty) indices[i] = index;
        }
    }

    /// <summary>dst (zeroed, in block layout) gets grad[i] at position indices[i] of block i.</summary>
    public static void Scatter<T>(ReadOnlySpan<T> grad, ReadOnlySpan<long> indices, int blockLength, Span<T> dst) where T : unmanaged
    {
        for (int i = 0; i < grad.Length; i++) dst[i * blockLength + (int)indices[i]] = grad[i];
    }

    /// <summary>
    /// dst (zeroed, in block layout) gets grad[i] / (number of ties) at every element of block i equal to
    /// values[i]: PyTorch's evenly distributed gradient for max(), min(), amax and amin. With
    /// <paramref name="nanMatchesNaN"/> a NaN result selects the NaN elements (max/min do, amax/amin do not).
    /// </summary>
    public static void SplitAmongTies<T>(ReadOnlySpan<T> src, int blockLength, ReadOnlySpan<T> values, ReadOnlySpan<T> grad, Span<T> dst, bool nanMatchesNaN)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0, o = 0; i < values.Length; i++, o += blockLength)
        {
            var block = src.Slice(o, blockLength);
            T value = values[i];
            bool matchNaN = nanMatchesNaN && T.IsNaN(value);
            int count = 0;
            for (int j = 0; j < block.Length; j++)
                if (matchNaN ? T.IsNaN(block[j]) : block[j] == value) count++;
            if (count == 0) continue;
            T share = grad[i] / T.CreateTruncating(count);
            for (int j = 0; j < block.Length; j++)
                if (matchNaN ? T.IsNaN(block[j]) : block[j] == value) dst[o + j] = share;
        }
    }
}
