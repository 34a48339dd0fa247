using System.Buffers;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace DeepGen.Kernels;

/// <summary>
/// Sums the rows of a contiguous [rows, cols] block: what reducing a tensor's leading dims is (a bias's
/// gradient, a broadcast gradient summed back). Each column is accumulated in double, in row order, as the
/// general block sum does, so the result is the same to the bit; but rows are added as vectors, with no
/// transposed copy of the input first.
/// </summary>
internal static class ColumnSums
{
    public static void Run(ReadOnlySpan<float> source, int rows, int cols, Span<float> result)
    {
        double[] sums = ArrayPool<double>.Shared.Rent(cols);
        try
        {
            Span<double> acc = sums.AsSpan(0, cols);
            acc.Clear();
            for (int r = 0; r < rows; r++) AddRow(source.Slice(r * cols, cols), acc);
            for (int c = 0; c < cols; c++) result[c] = (float)acc[c];
        }
        finally
        {
            ArrayPool<double>.Shared.Return(sums);
        }
    }

    public static void Run(ReadOnlySpan<double> source, int rows, int cols, Span<double> result)
    {
        result.Clear();
        for (int r = 0; r < rows; r++) AddRow(source.Slice(r * cols, cols), result);
    }

    static void AddRow(ReadOnlySpan<float> row, Span<double> acc)
    {
        int c = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            ref float x = ref MemoryMarshal.GetReference(row);
            ref double a = ref MemoryMarshal.GetReference(acc);
            for (; c <= row.Length - Vector256<float>.Count; c += Vector256<float>.Count)
            {
                var (lower, upper) = Vector256.Widen(Vector256.LoadUnsafe(ref x, (nuint)c));
                (Vector256.LoadUnsafe(ref a, (nuint)c) + lower).StoreUnsafe(ref a, (nuint)c);
                (Vector256.LoadUnsafe(ref a, (nuint)(c + Vector256<double>.Count)) + upper).StoreUnsafe(ref a, (nuint)(c + Vector256<double>.Count));
            }
        }
        for (; c < row.Length; c++) acc[c] += row[c];
    }

    static void AddRow(ReadOnlySpan<double> row, Span<double> acc)
    {
        int c = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            ref double x = ref MemoryMarshal.GetReference(row);
            ref double a = ref MemoryMarshal.GetReference(acc);
            for (; c <= row.Length - Vector256<double>.Count; c += Vector256<double>.Count)
                (Vector256.LoadUnsafe(ref a, (nuint)c) + Vector256.LoadUnsafe(ref x, (nuint)c)).StoreUnsafe(ref a, (nuint)c);
        }
        for (; c < row.Length; c++) acc[c] += row[c];
    }
}
