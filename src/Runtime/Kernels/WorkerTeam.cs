using System.Diagnostics;
using System.Runtime.ExceptionServices;

namespace DeepGen.Kernels;

/// <summary>
/// DeepGen's parallel-for: the calling thread and <c>Workers - 1</c> helper threads take the indices of a
/// loop one at a time from a shared counter, so a thread slowed by other load simply takes fewer. The
/// helpers stay awake (spinning) for <see cref="SpinTime"/> after each loop, because waking a sleeping
/// thread costs tens of microseconds here, which is what a Parallel.For pays per call and as long as a
/// whole small kernel takes: a training step's back-to-back GEMMs and pointwise kernels find them awake.
/// The caller never waits for a helper to wake: it starts on the indices at once, sleeping helpers are woken
/// and join when they come, and the caller waits only for indices a helper has taken. A loop started inside
/// another (from a body) runs in order on its thread, the outer loop already using every core; one started
/// while another thread's loop holds the team goes to Parallel.For.
/// </summary>
internal static class WorkerTeam
{
    /// <summary>How long a helper waits for the next loop before it sleeps.</summary>
    static readonly long SpinTime = Stopwatch.Frequency / 2000; // 0.5 ms

    /// <summary>One loop: its body, its indices and who finished what.</summary>
    sealed class Loop(int count, Action<int> body)
    {
        public readonly int Count = count;
        public readonly Action<int> Body = body;
        public int Next;      // the next index to take (may run past Count)
        public int Finished;  // indices run to the end, thrown or not
        public Exception? Failure;

        /// <summary>Takes and runs indices until none is left; after a failure the rest are skipped.</summary>
        public void Work()
        {
            int i;
            while ((i = Interlocked.Increment(ref Next) - 1) < Count)
            {
                try
                {
                    if (Volatile.Read(ref Failure) is null) Body(i);
                }
                catch (Exception e)
                {
                    Interlocked.CompareExchange(ref Failure, e, null);
                }
                finally
                {
                    Interlocked.Increment(ref Finished);
                }
            }
        }
    }

    static readonly object startGate = new();
    static readonly SemaphoreSlim wake = new(0);
    static Loop? current;      // the loop running now (null between loops, so it keeps nothing alive)
    static long posted;        // how many loops were posted; a helper compares it with the last it saw
    static int busy;           // 1 while a caller's loop runs
    static int asleep;         // helpers that are, or are about to be, waiting on wake
    static int helpers;        // helper threads started so far (helper h takes part while h < Workers)
    [ThreadStatic] static bool insideLoop;

    /// <summary>Whether more than one core takes part.</summary>
    public static bool Available => Parallelism.Workers > 1;

    /// <summary>Runs body(i) for i in [0, count) over the team; rethrows the first exception a body threw.</summary>
    public static void For(int count, Action<int> body)
    {
        if (count <= 0) return;
        if (count == 1 || !Available || insideLoop)
        {
            for (int i = 0; i < count; i++) body(i);
            return;
        }
        if (Interlocked.CompareExchange(ref busy, 1, 0) != 0)
        {
            OnThreadPool(count, body);
            return;
        }

        var loop = new Loop(count, body);
        try
        {
            EnsureStarted();
            Volatile.Write(ref current, loop);
            Interlocked.Increment(ref posted);
            int sleeping = Interlocked.Exchange(ref asleep, 0);
            if (sleeping > 0) wake.Release(sleeping);
            RunInside(loop);
            WaitForHelpers(loop);
        }
        finally
        {
            Volatile.Write(ref current, null);
            Volatile.Write(ref busy, 0);
        }
        if (loop.Failure is { } error) ExceptionDispatchInfo.Throw(error);
    }

    /// <summary>Parallel.For, rethrowing the first exception as itself, as a loop over the team does.</summary>
    static void OnThreadPool(int count, Action<int> body)
    {
        try
        {
            System.Threading.Tasks.Parallel.For(0, count, body);
        }
        catch (AggregateException e) when (e.InnerExceptions.Count > 0)
        {
            ExceptionDispatchInfo.Throw(e.InnerExceptions[0]);
        }
    }

    static void RunInside(Loop loop)
    {
        insideLoop = true;
        try
        {
            loop.Work();
        }
        finally
        {
            insideLoop = false;
        }
    }

    /// <summary>Waits for the indices helpers took: a pure spin while they run, yielding only if one lost its core.</summary>
    static void WaitForHelpers(Loop loop)
    {
        long since = Stopwatch.GetTimestamp();
        var spin = new SpinWait();
        while (Volatile.Read(ref loop.Finished) < loop.Count)
        {
            if (Stopwatch.GetTimestamp() - since < SpinTime) Thread.SpinWait(4);
            else spin.SpinOnce(sleep1Threshold: -1);
        }
    }

    /// <summary>Starts helpers up to Workers - 1 (more when the thread count was raised since).</summary>
    static void EnsureStarted()
    {
        int wanted = Parallelism.Workers - 1;
        if (Volatile.Read(ref helpers) >= wanted) return;
        lock (startGate)
        {
            for (int h = helpers + 1; h <= wanted; h++)
            {
                int number = h;
                new Thread(() => HelperLoop(number)) { IsBackground = true, Name = $"DeepGen worker {h}" }.Start();
            }
            Volatile.Write(ref helpers, Math.Max(helpers, wanted));
        }
    }

    /// <summary>Helper <paramref name="number"/> (1-based): takes part in loops while the thread count is above it.</summary>
    static void HelperLoop(int number)
    {
        insideLoop = true;
        long seen = 0;
        long idleSince = Stopwatch.GetTimestamp();
        while (true)
        {
            long now = Volatile.Read(ref posted);
            if (now != seen)
            {
                seen = now;
                // null when its caller finished it already; a newer loop than counted is harmless (run, or found
                // done); a helper beyond a lowered thread count sits out (and sleeps once idle long enough)
                if (number < Parallelism.Workers) Volatile.Read(ref current)?.Work();
                idleSince = Stopwatch.GetTimestamp();
                continue;
            }
            if (Stopwatch.GetTimestamp() - idleSince > SpinTime)
            {
                // a loop posted between the check above and this count is run by its caller (and whoever is
                // awake); the next one posted wakes this helper
                Interlocked.Increment(ref asleep);
                wake.Wait();
                idleSince = Stopwatch.GetTimestamp();
                continue;
            }
            Thread.SpinWait(8);
        }
    }
}
