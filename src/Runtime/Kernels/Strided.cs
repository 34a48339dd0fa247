using System.Runtime.CompilerServices;

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

    ElementLayout(int[] shape, int[][] strides, int[] offsets, long count)
    {
        Shape = shape;
        Strides = strides;
        Offsets = offsets;
        Count = count;
    }

    // shared, never written: the strides of the flat layouts
    static readonly int[] Dense = [1], Constant = [0];

    /// <summary>The merged layout of operands with the given strides over <paramref name="shape"/>.</summary>
    public static ElementLayout Create(ReadOnlySpan<int> shape, ReadOnlySpan<int[]> strides, ReadOnlySpan<int> offsets)
    {
        long count = 1;
        foreach (var d in shape) count *= d;
        // the common case, every operand contiguous or a single broadcast value, costs no merging
        Span<int> single = stackalloc int[strides.Length];
        if (!TryFlat(shape, strides, single)) return Merged(shape, strides, offsets, count);
        var flat = new int[strides.Length][];
        for (int k = 0; k < strides.Length; k++) flat[k] = single[k] == 1 ? Dense : Constant;
        return new ElementLayout([(int)count], flat, offsets.ToArray(), count);
    }

    /// <summary>
    /// Whether every operand is laid out contiguously over shape (its stride along the flattened loop is 1) or
    /// holds one value for every element (stride 0); those strides go into <paramref name="flat"/>.
    /// </summary>
    public static bool TryFlat(ReadOnlySpan<int> shape, ReadOnlySpan<int[]> strides, Span<int> flat)
    {
        for (int k = 0; k < strides.Length; k++)
        {
            bool dense = true, constant = true;
            long expected = 1;
            for (int d = shape.Length - 1; d >= 0; d--)
            {
                if (shape[d] == 1) continue;
                dense &= strides[k][d] == expected;
                constant &= strides[k][d] == 0;
                expected *= shape[d];
            }
            if (!dense && !constant) return false;
            flat[k] = dense ? 1 : 0;
        }
        return true;
    }

    static ElementLayout Merged(ReadOnlySpan<int> shape, ReadOnlySpan<int[]> strides, ReadOnlySpan<int> offsets, long count)
    {
        int operands = strides.Length;
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
        var mergedShape = new int[rank];
        var mergedStrides = new int[operands][];
        for (int m = 0; m < rank; m++) mergedShape[m] = sizes[rank - 1 - m];
        for (int k = 0; k < operands; k++)
        {
            mergedStrides[k] = new int[rank];
            for (int m = 0; m < rank; m++) mergedStrides[k][m] = merged[k][rank - 1 - m];
        }
        return new ElementLayout(mergedShape, mergedStrides, offsets.ToArray(), count);
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
/// <remarks>
/// The walkers and the row actions are compiled fully optimised from the first call
/// (AggressiveOptimization): each runs its loops many times per call but may be called only a few times, so
/// it would otherwise spend its first calls in unoptimised tier-0 code, where every span access is a call.
/// </remarks>
internal static class ElementLoop
{
    /// <summary>
    /// Elements from which a loop is split over threads: a memory-bound op on this many floats takes some tens
    /// of microseconds, several times what waking a worker costs.
    /// </summary>
    public const long ParallelThreshold = 1 << 16;

    /// <summary>Elements per parallel chunk at least.</summary>
    const long MinChunk = 1 << 14;

    /// <summary>Side of the square tiles a loop walks in when an operand steps far along the rows (a transpose).</summary>
    const int Tile = 32;

    /// <summary>Inner strides beyond this many elements leave most of each cache line unread along a row.</summary>
    const int FarStride = 8;

    /// <summary>
    /// Runs the action over operands with the given strides and offsets over shape. A small loop over flat
    /// operands is a single row, run at once without building a layout.
    /// </summary>
    public static void Run<TAction>(ReadOnlySpan<int> shape, ReadOnlySpan<int[]> strides, ReadOnlySpan<int> offsets, TAction action)
        where TAction : struct, IRowAction
    {
        long count = 1;
        foreach (var d in shape) count *= d;
        if (count == 0) return;
        if (count < ParallelThreshold)
        {
            Span<int> flat = stackalloc int[strides.Length];
            if (ElementLayout.TryFlat(shape, strides, flat))
            {
                action.Row(offsets, flat, (int)count);
                return;
            }
        }
        Run(ElementLayout.Create(shape, strides, offsets), action);
    }

    public static void Run<TAction>(ElementLayout layout, TAction action) where TAction : struct, IRowAction
    {
        long n = layout.Count;
        if (n == 0) return;
        bool tiled = WantsTiles(layout);
        // the units handed out: elements, or for tiled loops strips of up to Tile rows
        long units = tiled ? Strips(layout) : n;
        int workers = Parallelism.Workers;
        if (workers < 2 || n < ParallelThreshold)
        {
            Walk(layout, tiled, 0, units, ref action);
            return;
        }
        // a few chunks per worker, so a worker delayed by a busy machine does not hold up the others
        long chunks = Math.Min(Math.Min(workers * 4L, (n + MinChunk - 1) / MinChunk), units);
        long size = (units + chunks - 1) / chunks;
        // chunk edges on multiples of 64 elements keep contiguous rows vector- and cache-line-aligned inside
        if (!tiled) size = (size + 63) & ~63L;
        int count = (int)((units + size - 1) / size);
        WorkerTeam.For(count, c =>
        {
            var own = action;
            long start = c * size;
            Walk(layout, tiled, start, Math.Min(units, start + size), ref own);
        });
    }

    static void Walk<TAction>(ElementLayout layout, bool tiled, long start, long end, ref TAction action) where TAction : struct, IRowAction
    {
        if (tiled) ForStrips(layout, start, end, ref action);
        else ForRange(layout, start, end, ref action);
    }

    /// <summary>
    /// Whether some operand steps so far along the rows that walking row by row would touch a new cache line per
    /// element, as when copying a transposed matrix: then square tiles let each line serve many rows.
    /// </summary>
    static bool WantsTiles(ElementLayout layout)
    {
        int rank = layout.Rank;
        if (rank < 2 || layout.Shape[rank - 1] < 2 || layout.Shape[rank - 2] < 2) return false;
        foreach (var s in layout.Strides)
            if (Math.Abs(s[rank - 1]) > FarStride) return true;
        return false;
    }

    /// <summary>Strips of up to <see cref="Tile"/> rows: the outer dims' count times ceil(rows / Tile).</summary>
    static long Strips(ElementLayout layout)
    {
        int rank = layout.Rank;
        long outer = layout.Count / ((long)layout.Shape[rank - 1] * layout.Shape[rank - 2]);
        return outer * ((layout.Shape[rank - 2] + Tile - 1) / Tile);
    }

    /// <summary>Walks strips [start, end) tile by tile: Tile rows of Tile elements, then the next tile along.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void ForStrips<TAction>(ElementLayout layout, long start, long end, ref TAction action) where TAction : struct, IRowAction
    {
        var shape = layout.Shape;
        var strides = layout.Strides;
        int rank = shape.Length, operands = strides.Length;
        int rows = shape[rank - 2], cols = shape[rank - 1], stripsPerBlock = (rows + Tile - 1) / Tile;
        Span<int> strip = stackalloc int[operands];
        Span<int> offsets = stackalloc int[operands];
        Span<int> inner = stackalloc int[operands];
        for (int k = 0; k < operands; k++) inner[k] = strides[k][rank - 1];
        for (long unit = start; unit < end; unit++)
        {
            long block = unit / stripsPerBlock;
            int firstRow = (int)(unit % stripsPerBlock) * Tile, lastRow = Math.Min(rows, firstRow + Tile);
            for (int k = 0; k < operands; k++) strip[k] = layout.Offsets[k] + firstRow * strides[k][rank - 2];
            // the outer dims' coordinates of this block
            long rest = block;
            for (int d = rank - 3; d >= 0; d--)
            {
                int coordinate = (int)(rest % shape[d]);
                rest /= shape[d];
                for (int k = 0; k < operands; k++) strip[k] += coordinate * strides[k][d];
            }
            for (int c = 0; c < cols; c += Tile)
            {
                int count = Math.Min(Tile, cols - c);
                for (int r = firstRow; r < lastRow; r++)
                {
                    for (int k = 0; k < operands; k++) offsets[k] = strip[k] + (r - firstRow) * strides[k][rank - 2] + c * inner[k];
                    action.Row(offsets, inner, count);
                }
            }
        }
    }

    /// <summary>Calls the action on the rows (or parts of rows) that hold elements [start, end) in row-major order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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
