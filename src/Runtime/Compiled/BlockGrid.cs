namespace DeepGen.Compiled;

/// <summary>
/// How the fused-loop driver cuts the rows of its iteration space into blocks: <see cref="Size"/> elements at a
/// time from the start of each row, or, for streamed outputs, so that the blocks that stream cover whole 64-byte
/// lines of output 0: a row's elements before its first line boundary and after its last one are blocks of their
/// own that store through the cache. Streaming stores need aligned addresses (a kernel's vector loop steps from the
/// block's start), and this way no line is streamed in part. (Measured against streaming the rows' partial lines
/// too, gelu(x * a + b) over rows of 4096 took the same time here; the cost at the row edges was masked stores,
/// see <c>Pw.StorePartial</c>.)
/// </summary>
internal readonly struct BlockGrid
{
    readonly int inner;
    readonly int lineElements;  // elements per 64-byte line; 0 when blocks start at multiples of Size
    readonly int firstAligned;  // the first element of output 0 on a line boundary

    BlockGrid(int rows, int inner, int size, int lineElements, int firstAligned)
    {
        this.inner = inner;
        this.lineElements = lineElements;
        this.firstAligned = firstAligned;
        Size = size;
        // streamed: the head, the blocks over whole lines, the tail
        PerRow = (inner + size - 1) / size + (lineElements > 0 ? 2 : 0);
        Count = (long)rows * PerRow;
    }

    /// <summary>Blocks of <paramref name="size"/> elements from the start of each row, none streamed.</summary>
    public static BlockGrid Plain(int rows, int inner, int size) => new(rows, inner, size, 0, 0);

    /// <summary>
    /// Blocks cut at output 0's lines of <paramref name="lineElements"/> elements, the first line starting at element
    /// <paramref name="firstAligned"/>; <paramref name="size"/> is a multiple of the line.
    /// </summary>
    public static BlockGrid Streamed(int rows, int inner, int size, int lineElements, int firstAligned) => new(rows, inner, size, lineElements, firstAligned);

    /// <summary>Whether some blocks stream (<see cref="Streamed"/>).</summary>
    public bool Streams => lineElements > 0;

    /// <summary>The most elements in one block.</summary>
    public int Size { get; }

    /// <summary>Blocks per row, empty ones included.</summary>
    public int PerRow { get; }

    /// <summary>Blocks in all.</summary>
    public long Count { get; }

    /// <summary>
    /// Block <paramref name="index"/>'s row, first element in that row, length (0 for an empty block), and whether
    /// it covers whole lines of output 0, so that its vector stores may stream.
    /// </summary>
    public (int Row, int Start, int Length, bool Streams) this[long index]
    {
        get
        {
            int row = (int)(index / PerRow);
            int column = (int)(index % PerRow);
            if (lineElements == 0)
            {
                int first = column * Size;
                return (row, first, Math.Min(Size, inner - first), false);
            }

            // [0, head) and [body, inner) are the row's partial lines; whole lines lie between
            long rowStart = (long)row * inner;
            int head = (int)Math.Min(((firstAligned - rowStart) % lineElements + lineElements) % lineElements, inner);
            int body = head + (inner - head) / lineElements * lineElements;
            if (column == 0) return (row, 0, head, false);
            if (column == PerRow - 1) return (row, body, inner - body, false);
            int start = Math.Min(head + (column - 1) * Size, body);
            return (row, start, Math.Min(start + Size, body) - start, true);
        }
    }
}
