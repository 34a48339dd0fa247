namespace DeepGen.Benchmarks.Compare;

/// <summary>
/// The managed memory of one training step, measured in-process so that variants run in the same process
/// stay apart (the process's peak RSS mixes them; compare.sh runs each variant's group in its own process
/// for that). <c>NAME.live_after_fwd</c>: bytes still reachable after the forward (after a full collection),
/// over those before it: the output and everything kept for the backward, the step's high-water mark up to
/// the backward's own temporaries. <c>NAME.peak_live</c>: the most bytes found reachable at any moment of
/// 10 steps, over those before them: a second thread runs full collections back to back while the steps
/// run, each one measuring what is reachable at that moment (a sampled peak, so a little under the true
/// one). <c>NAME.alloc_per_step</c>: bytes allocated by forward and backward together
/// (<see cref="GC.GetTotalAllocatedBytes"/>), what the collector has to reclaim each step.
/// </summary>
internal static class StepMemory
{
    const double MiB = 1 << 20;

    /// <summary>Runs <paramref name="forward"/> then <paramref name="backward"/> on its result once, with the measurements around them.</summary>
    public static void Emit(string name, Func<Tensor> forward, Action<Tensor> backward)
    {
        // one step first, so one-time allocations (kernel scratch, pooled buffers, JIT) are not counted
        backward(forward());
        long before = GC.GetTotalMemory(forceFullCollection: true);
        long allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var output = forward();
        long live = GC.GetTotalMemory(forceFullCollection: true) - before;
        backward(output);
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        GC.KeepAlive(output);
        Harness.Emit(name + ".live_after_fwd", live / MiB, "MiB");
        Harness.Emit(name + ".alloc_per_step", allocated / MiB, "MiB");
        output = null!;
        Harness.Emit(name + ".peak_live", SampledPeak(() => backward(forward()), steps: 10) / MiB, "MiB");
    }

    /// <summary><c>NAME.alloc_per_step</c> of a whole step (its dispose scope inside it), averaged over 5 after one.</summary>
    public static void EmitAllocated(string name, Action step)
    {
        step();
        long before = GC.GetTotalAllocatedBytes(precise: true);
        for (int i = 0; i < 5; i++) step();
        Harness.Emit(name + ".alloc_per_step", (GC.GetTotalAllocatedBytes(precise: true) - before) / 5 / MiB, "MiB");
    }

    static long SampledPeak(Action step, int steps)
    {
        long before = GC.GetTotalMemory(forceFullCollection: true), peak = before;
        bool done = false;
        var sampler = new Thread(() =>
        {
            while (!Volatile.Read(ref done)) peak = Math.Max(peak, GC.GetTotalMemory(forceFullCollection: true));
        });
        sampler.Start();
        for (int i = 0; i < steps; i++) step();
        Volatile.Write(ref done, true);
        sampler.Join();
        return peak - before;
    }
}
