namespace DeepGen.Compiled;

/// <summary>
/// How the fused-loop driver cuts the rows of its iteration space into blocks: <see cref="Size"/> elements at a
/// time from the start of each row, or, for streamed outputs, with the cuts moved so that every block but a row's
/// first starts on a 64-byte line of output 0 (streaming stores need aligned addresses, and a kernel's vector loop
/// steps from the block's start). A row then has one block more, its first one short (or empty).
/// </summary>
internal readonly struct BlockGrid
{
    readonly int inner;
    readonly int alignUnit;     // elements per aligned line; 0 when blocks start at multiples of Size
    readonly int firstAligned;  // the first element of output 0 on a line boundary

    BlockGrid(int rows, int inner, int size, int alignUnit, int firstAligned)
    {
        this.inner = inner;
        this.alignUnit = alignUnit;
        this.firstAligned = firstAligned;
        Size = size;
        PerRow = (inner + size - 1) / size + (alignUnit > 0 ? 1 : 0);
        Count = (long)rows * PerRow;
    }

    /// <summary>Blocks of <paramref name="size"/> elements from the start of each row.</summary>
    public static BlockGrid Plain(int rows, int inner, int size) => new(rows, inner, size, 0, 0);

    /// <summary>
    /// Blocks cut at the elements of the output where a line of <paramref name="alignUnit"/> elements starts, the
    /// first of them being element <paramref name="firstAligned"/>; <paramref name="size"/> is a multiple of the unit.
    /// </summary>
    public static BlockGrid Aligned(int rows, int inner, int size, int alignUnit, int firstAligned) => new(rows, inner, size, alignUnit, firstAligned);

    /// <summary>Whether the cuts follow the output's lines (<see cref="Aligned"/>).</summary>
    public bool Aligns => alignUnit > 0;

    /// <summary>The most elements in one block.</summary>
    public int Size { get; }

    /// <summary>Blocks per row, empty ones included.</summary>
    public int PerRow { get; }

    /// <summary>Blocks in all.</summary>
    public long Count { get; }

    /// <summary>Block <paramref name="index"/>'s row, first element in that row and length (0 for an empty block).</summary>
    public (int Row, int Start, int Length) this[long index]
    {
        get
        {
            int row = (int)(index / PerRow);
            int column = (int)(index % PerRow);
            if (alignUnit == 0)
            {
                int first = column * Size;
                return (row, first, Math.Min(Size, inner - first));
            }

            // the row's first aligned element; blocks are [0, head) and then Size elements from head on
            long rowStart = (long)row * inner;
            int head = (int)(((firstAligned - rowStart) % alignUnit + alignUnit) % alignUnit);
            int start = column == 0 ? 0 : Math.Min(head + (column - 1) * Size, inner);
            int end = Math.Min(head + column * Size, inner);
            return (row, start, Math.Max(0, end - start));
        }
    }
}
