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

/// <summary>
/// The layout of an elementwise loop: operands that share a shape, each with its own strides and offset, with
/// size-1 dims dropped and adjacent dims merged wherever every operand steps through them as one (so contiguous
/// operands become a single long row, and [N, C, H, W] against [1, C, 1, 1] becomes rows of H*W).
/// </summary>
internal sealed class ElementLayout
{
    /// <summary>The merged sizes, outermost first; at least one dim.</summary>
    public readonly int[] Shape;

    /// <summary>Strides[k][d]: operand k's step along merged dim d.</summary>
    public readonly int[][] Strides;

    public readonly int[] Offsets;

    /// <summary>Number of elements (0 when any dim is empty).</summary>
    public readonly long Count;

    public ElementLayout(ReadOnlySpan<int> shape, ReadOnlySpan<int[]> strides, ReadOnlySpan<int> offsets)
    {
        int operands = strides.Length;
        Offsets = offsets.ToArray();
        Count = 1;
        foreach (var d in shape) Count *= d;
        // merged dims are collected innermost first, then reversed
        Span<int> sizes = stackalloc int[Math.Max(1, shape.Length)];
        var merged = new int[operands][];
        for (int k = 0; k < operands; k++) merged[k] = new int[Math.Max(1, shape.Length)];
        int rank = 0;
        for (int d = shape.Length - 1; d >= 0; d--)
        {
            if (shape[d] == 1) continue;
            if (rank > 0 && StepsOverCurrent(strides, merged, d, rank - 1, sizes[rank - 1]))
            {
                sizes[rank - 1] *= shape[d];
                continue;
            }
            sizes[rank] = shape[d];
            for (int k = 0; k < operands; k++) merged[k][rank] = strides[k][d];
            rank++;
        }
        if (rank == 0)
        {
            // a single element: any stride will do
            sizes[0] = 1;
            for (int k = 0; k < operands; k++) merged[k][0] = 1;
            rank = 1;
        }
        Shape = new int[rank];
        Strides = new int[operands][];
        for (int m = 0; m < rank; m++) Shape[m] = sizes[rank - 1 - m];
        for (int k = 0; k < operands; k++)
        {
            Strides[k] = new int[rank];
            for (int m = 0; m < rank; m++) Strides[k][m] = merged[k][rank - 1 - m];
        }
    }

    /// <summary>Whether one step along dim d is, for every operand, one step over the whole current merged dim.</summary>
    static bool StepsOverCurrent(ReadOnlySpan<int[]> strides, int[][] merged, int d, int current, int size)
    {
        for (int k = 0; k < strides.Length; k++)
            if ((long)strides[k][d] != (long)merged[k][current] * size) return false;
        return true;
    }

    public int Rank => Shape.Length;
}

/// <summary>Runs an elementwise row action over an <see cref="ElementLayout"/>, over threads when it is big.</summary>
internal static class ElementLoop
{
    /// <summary>
    /// Elements from which a loop is split over threads: a memory-bound op on this many floats takes some tens
    /// of microseconds, several times what waking a worker costs.
    /// </summary>
    public const long ParallelThreshold = 1 << 16;

    /// <summary>Elements per parallel chunk at least.</summary>
    const long MinChunk = 1 << 14;

    public static void Run<TAction>(ElementLayout layout, TAction action) where TAction : struct, IRowAction
    {
        long n = layout.Count;
        if (n == 0) return;
        int workers = Parallelism.Workers;
        if (workers < 2 || n < ParallelThreshold)
        {
            ForRange(layout, 0, n, ref action);
            return;
        }
        // a few chunks per worker, so a worker delayed by a busy machine does not hold up the others
        long chunks = Math.Min(workers * 4L, (n + MinChunk - 1) / MinChunk);
        // chunk edges on multiples of 64 elements keep contiguous rows vector- and cache-line-aligned inside
        long size = ((n + chunks - 1) / chunks + 63) & ~63L;
        int count = (int)((n + size - 1) / size);
        Parallel.For(0, count, c =>
        {
            var own = action;
            long start = c * size;
            ForRange(layout, start, Math.Min(n, start + size), ref own);
        });
    }

    /// <summary>Calls the action on the rows (or parts of rows) that hold elements [start, end) in row-major order.</summary>
    public static void ForRange<TAction>(ElementLayout layout, long start, long end, ref TAction action) where TAction : struct, IRowAction
    {
        var shape = layout.Shape;
        var strides = layout.Strides;
        int rank = shape.Length, operands = strides.Length;
        Span<int> offsets = stackalloc int[operands];
        Span<int> inner = stackalloc int[operands];
        Span<int> counter = stackalloc int[rank];
        long rest = start;
        for (int d = rank - 1; d >= 0; d--)
        {
            counter[d] = (int)(rest % shape[d]);
            rest /= shape[d];
        }
        for (int k = 0; k < operands; k++)
        {
            int o = layout.Offsets[k];
            for (int d = 0; d < rank; d++) o += counter[d] * strides[k][d];
            offsets[k] = o;
            inner[k] = strides[k][rank - 1];
        }
        int rowLength = shape[rank - 1];
        long position = start;
        while (true)
        {
            int count = (int)Math.Min(rowLength - counter[rank - 1], end - position);
            action.Row(offsets, inner, count);
            position += count;
            if (position >= end) return;
            // back to the start of the row, then advance the odometer over the outer dims
            for (int k = 0; k < operands; k++) offsets[k] -= counter[rank - 1] * inner[k];
            counter[rank - 1] = 0;
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
        }
    }
}
