using System.Diagnostics;
using System.Runtime.ExceptionServices;

namespace DeepGen.Kernels;

/// <summary>
/// Runs the two halves of a short job (microseconds) at once: the calling thread takes half 0 and a helper
/// thread that stays awake between jobs takes half 1. Waking a sleeping thread costs tens of microseconds
/// here, which is what a Parallel.For pays and longer than such a job takes on one core, so the helper
/// spins for <see cref="SpinTime"/> after each job before it sleeps. A job that finds it asleep, or busy
/// with another caller, runs both halves on its own thread (and wakes the helper for the next job), so an
/// isolated job is never delayed, while back-to-back ones (the layers of a batch-1 forward) share two cores.
/// Only short jobs use it: routing every parallel loop (GEMM tiles, fused kernels) through it made the
/// transformer and CNN steps slower, the spinning helper taking the core that Parallel.For's workers need.
/// </summary>
internal static class HotPair
{
    /// <summary>How long the helper waits for the next job before it sleeps.</summary>
    static readonly long SpinTime = Stopwatch.Frequency / 2000; // 0.5 ms

    // the helper's state: spinning with no job, a job posted, the job's half done, asleep, and taken by a
    // caller that is about to post (so that a nested call, which sees it taken, never touches the job)
    const int Idle = 0, Posted = 1, Done = 2, Asleep = 3, Claimed = 4;

    static readonly object gate = new();
    static readonly SemaphoreSlim wake = new(0, 1);
    static int state = Asleep;
    static Thread? helper;
    static Action<int>? job;
    static Exception? failure;

    /// <summary>Whether a second core exists to run the other half on.</summary>
    public static bool Available => Parallelism.Workers > 1;

    /// <summary>Runs <c>half(0)</c> and <c>half(1)</c>, on two threads when the helper is awake and free; rethrows what either threw.</summary>
    public static void Run(Action<int> half)
    {
        if (!TryRun(half)) RunBoth(half);
    }

    /// <summary>Runs the halves on two threads if the helper is awake and free; else runs nothing, wakes it and returns false.</summary>
    static bool TryRun(Action<int> half)
    {
        if (!Monitor.TryEnter(gate)) return false;
        try
        {
            if (Interlocked.CompareExchange(ref state, Claimed, Idle) != Idle)
            {
                WakeHelper();
                return false;
            }

            job = half;
            failure = null;
            Volatile.Write(ref state, Posted);
            try
            {
                half(0);
            }
            finally
            {
                WaitForHelper();
            }

            if (failure is { } error) ExceptionDispatchInfo.Throw(error);
            return true;
        }
        finally
        {
            Monitor.Exit(gate);
        }
    }

    /// <summary>
    /// Waits for the helper's half (about as long as the caller's): a pure spin at first (SpinWait's yields
    /// cost a system call each), yielding only if the helper lost its core; then takes the job back.
    /// </summary>
    static void WaitForHelper()
    {
        long waitingSince = Stopwatch.GetTimestamp();
        var spin = new SpinWait();
        while (Volatile.Read(ref state) != Done)
        {
            if (Stopwatch.GetTimestamp() - waitingSince < SpinTime) Thread.SpinWait(4);
            else spin.SpinOnce(sleep1Threshold: -1);
        }

        job = null;
        Volatile.Write(ref state, Idle);
    }

    static void RunBoth(Action<int> half)
    {
        half(0);
        half(1);
    }

    /// <summary>With the gate held: starts the helper, or wakes it when it sleeps.</summary>
    static void WakeHelper()
    {
        if (Volatile.Read(ref state) != Asleep) return;
        if (helper is null)
        {
            helper = new Thread(HelperLoop) { IsBackground = true, Name = "DeepGen hot pair" };
            helper.Start();
        }

        Volatile.Write(ref state, Idle);
        wake.Release();
    }

    static void HelperLoop()
    {
        while (true)
        {
            wake.Wait();
            long idleSince = Stopwatch.GetTimestamp();
            while (true)
            {
                int now = Volatile.Read(ref state);
                if (now == Posted)
                {
                    try
                    {
                        job!(1);
                    }
                    catch (Exception e)
                    {
                        failure = e;
                    }

                    Volatile.Write(ref state, Done);
                    idleSince = Stopwatch.GetTimestamp();
                    continue;
                }

                // only from Idle: a job posted meanwhile wins the exchange and runs first
                if (now == Idle && Stopwatch.GetTimestamp() - idleSince > SpinTime
                    && Interlocked.CompareExchange(ref state, Asleep, Idle) == Idle)
                {
                    break;
                }

                Thread.SpinWait(8);
            }
        }
    }
}
