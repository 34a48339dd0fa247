namespace DeepGen.Kernels;

/// <summary>When a kernel is big enough to be worth splitting over threads, and the splitting itself.</summary>
internal static class Parallelism
{
    /// <summary>
    /// Multiply-adds (or comparable element steps) below which handing work to other threads costs more
    /// than it saves: a loop over sleeping helpers costs some microseconds, about what a core needs for this much work.
    /// </summary>
    public const long MinWork = 1 << 18;

    static int workers = Environment.ProcessorCount;

    /// <summary>How many threads kernels share their work over: the processor count unless set (<see cref="Torch.SetNumThreads"/>).</summary>
    public static int Workers => Volatile.Read(ref workers);

    public static void SetWorkers(int count)
    {
        if (count < 1)
            throw new ArgumentOutOfRangeException(nameof(count), count, $"set_num_threads: the thread count must be at least 1, got {count}");
        Volatile.Write(ref workers, count);
    }

    public static bool Worthwhile(long work) => Workers > 1 && work >= MinWork;

    /// <summary>
    /// Runs body(i) for i in [0, count): over threads when the total work is large enough, else in order.
    /// The body is told whether it may itself go parallel (only when this loop does not).
    /// </summary>
    public static void For(int count, long workPerItem, Action<int, bool> body)
    {
        if (count > 1 && Worthwhile(workPerItem * count))
            WorkerTeam.For(count, i => body(i, false));
        else
            for (int i = 0; i < count; i++) body(i, true);
    }

    /// <summary>
    /// As <see cref="For"/>, with a scratch array of <paramref name="bufferLength"/> elements (rented, not
    /// zeroed) handed to each call: one per call in parallel (the pool keeps a thread's last few at hand),
    /// one for all calls in order.
    /// </summary>
    public static void ForWithBuffer<T>(int count, long workPerItem, int bufferLength, Action<int, T[], bool> body)
    {
        if (count > 1 && Worthwhile(workPerItem * count))
        {
            WorkerTeam.For(count, i =>
            {
                var buffer = System.Buffers.ArrayPool<T>.Shared.Rent(bufferLength);
                try
                {
                    body(i, buffer, false);
                }
                finally
                {
                    System.Buffers.ArrayPool<T>.Shared.Return(buffer);
                }
            });
            return;
        }
        var scratch = System.Buffers.ArrayPool<T>.Shared.Rent(bufferLength);
        try
        {
            for (int i = 0; i < count; i++) body(i, scratch, true);
        }
        finally
        {
            System.Buffers.ArrayPool<T>.Shared.Return(scratch);
        }
    }
}
