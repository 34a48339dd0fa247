namespace DeepGen.Kernels;

/// <summary>Row-wise kernels split over threads: rows cut into a few chunks per worker when the work is big enough.</summary>
internal static class RowChunks
{
    /// <summary>How many chunks <paramref name="rows"/> rows of <paramref name="rowLength"/> elements are cut into (1: run in order).</summary>
    public static int Count(int rows, int rowLength) =>
        rows > 1 && Parallelism.Worthwhile((long)rows * rowLength) ? Math.Min(rows, 4 * Parallelism.Workers) : 1;

    /// <summary>Calls body(chunk, firstRow, endRow) for each of <paramref name="chunks"/> even chunks of [0, rows), in parallel when more than one.</summary>
    public static void For(int chunks, int rows, Action<int, int, int> body)
    {
        if (chunks <= 1)
        {
            body(0, 0, rows);
            return;
        }
        WorkerTeam.For(chunks, c => body(c, (int)((long)rows * c / chunks), (int)((long)rows * (c + 1) / chunks)));
    }
}
