using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace DeepGen.Kernels;

/// <summary>
/// Sums over the leading dims of a contiguous tensor seen as rows x cols: out[j] = sum over r of x[r, j]
/// (a bias gradient). Each column accumulates in double, row after row, exactly the order of the general
/// reduction, so the result is the same to the bit; but the rows are read in place, a vector of columns at a
/// time, instead of being transposed into a copy first. Column chunks go to different threads when big.
/// </summary>
internal static class ColumnSums
{
    const int Chunk = 256;

    public static void Sum<T>(T[] x, int offset, int rows, int cols, T[] result) where T : unmanaged
    {
        int chunks = (cols + Chunk - 1) / Chunk;
        Parallelism.For(chunks, (long)rows * Math.Min(cols, Chunk), (c, _) =>
        {
            int first = c * Chunk, count = Math.Min(Chunk, cols - first);
            Span<double> sums = stackalloc double[Chunk];
            sums.Clear();
            for (int r = 0; r < rows; r++)
            {
                var row = x.AsSpan(offset + r * cols + first, count);
                if (typeof(T) == typeof(float)) Add(MemoryMarshal.Cast<T, float>(row), sums);
                else Add(MemoryMarshal.Cast<T, double>(row), sums);
            }
            var target = result.AsSpan(first, count);
            if (typeof(T) == typeof(float))
            {
                var floats = MemoryMarshal.Cast<T, float>(target);
                for (int j = 0; j < count; j++) floats[j] = (float)sums[j];
            }
            else sums[..count].CopyTo(MemoryMarshal.Cast<T, double>(target));
        });
    }

    /// <summary>sums[j] += row[j], in double.</summary>
    public static void Add(ReadOnlySpan<float> row, Span<double> sums)
    {
        int j = 0, w = Vector256<float>.Count;
        ref float src = ref MemoryMarshal.GetReference(row);
        ref double acc = ref MemoryMarshal.GetReference(sums);
        for (; j + w <= row.Length; j += w)
        {
            var (lo, hi) = Vector256.Widen(Vector256.LoadUnsafe(ref src, (nuint)j));
            (Vector256.LoadUnsafe(ref acc, (nuint)j) + lo).StoreUnsafe(ref acc, (nuint)j);
            (Vector256.LoadUnsafe(ref acc, (nuint)(j + w / 2)) + hi).StoreUnsafe(ref acc, (nuint)(j + w / 2));
        }
        for (; j < row.Length; j++) sums[j] += row[j];
    }

    /// <summary>sums[j] += row[j].</summary>
    public static void Add(ReadOnlySpan<double> row, Span<double> sums)
    {
        int j = 0, w = Vector256<double>.Count;
        ref double src = ref MemoryMarshal.GetReference(row);
        ref double acc = ref MemoryMarshal.GetReference(sums);
        for (; j + w <= row.Length; j += w)
            (Vector256.LoadUnsafe(ref acc, (nuint)j) + Vector256.LoadUnsafe(ref src, (nuint)j)).StoreUnsafe(ref acc, (nuint)j);
        for (; j < row.Length; j++) sums[j] += row[j];
    }
}
