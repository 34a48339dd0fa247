namespace DeepGen.Kernels;

/// <summary>
/// Called once per innermost row of a strided walk: <paramref name="offsets"/> holds each operand's
/// element offset at the row's start, <paramref name="strides"/> each operand's stride along the row.
/// </summary>
internal interface IRowAction
{
    void Row(ReadOnlySpan<int> offsets, ReadOnlySpan<int> strides, int count);
}

/// <summary>
/// Walks a shape in row-major order for up to a few operands that share it but have their own strides
/// (a stride of 0 is a broadcast). The innermost dimension is handed to the action as one row, so the
/// per-element work stays a tight loop.
/// </summary>
internal static class Strided
{
    public static void ForEachRow<TAction>(ReadOnlySpan<int> shape, ReadOnlySpan<int[]> strides, ReadOnlySpan<int> baseOffsets, ref TAction action)
        where TAction : struct, IRowAction
    {
        int operands = strides.Length;
        int rank = shape.Length;
        Span<int> offsets = stackalloc int[operands];
        baseOffsets.CopyTo(offsets);
        foreach (var d in shape)
            if (d == 0) return;
        if (rank == 0)
        {
            Span<int> none = stackalloc int[operands];
            action.Row(offsets, none, 1);
            return;
        }

        Span<int> inner = stackalloc int[operands];
        for (int k = 0; k < operands; k++) inner[k] = strides[k][rank - 1];
        int rowLength = shape[rank - 1];
        Span<int> counter = stackalloc int[rank];
        while (true)
        {
            action.Row(offsets, inner, rowLength);
            // advance the odometer over the outer dims
            int dim = rank - 2;
            while (dim >= 0)
            {
                counter[dim]++;
                for (int k = 0; k < operands; k++) offsets[k] += strides[k][dim];
                if (counter[dim] < shape[dim]) break;
                for (int k = 0; k < operands; k++) offsets[k] -= strides[k][dim] * shape[dim];
                counter[dim] = 0;
                dim--;
            }
            if (dim < 0) return;
        }
    }
}
