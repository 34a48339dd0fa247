using System.Diagnostics;

namespace DeepGen.Benchmarks.Compare;

/// <summary>Machine-wide against own CPU time (from /proc), to flag runs disturbed by other processes; the peer prints the same note.</summary>
internal readonly record struct CpuSnapshot(long Busy, long Steal, long Own, long MinorFaults, long Ticks)
{
    public static CpuSnapshot Take()
    {
        try
        {
            var cpu = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries);
            long Field(int i) => long.Parse(cpu[i]);
            long busy = Field(1) + Field(2) + Field(3) + Field(6) + Field(7);   // user nice system irq softirq
            long steal = cpu.Length > 8 ? Field(8) : 0;
            var stat = File.ReadAllText("/proc/self/stat");
            var own = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            long ownTicks = long.Parse(own[11]) + long.Parse(own[12]) + long.Parse(own[13]) + long.Parse(own[14]);
            long faults = long.Parse(own[7]) + long.Parse(own[8]);
            return new CpuSnapshot(busy, steal, ownTicks, faults, Stopwatch.GetTimestamp());
        }
        catch (IOException) { return default; }
        catch (UnauthorizedAccessException) { return default; }
    }

    public static void Report(string what, CpuSnapshot a, CpuSnapshot b)
    {
        if (a.Ticks == 0 || b.Ticks == 0) return;
        const double hz = 100.0; // USER_HZ
        double wall = (b.Ticks - a.Ticks) / (double)Stopwatch.Frequency;
        double own = (b.Own - a.Own) / hz, steal = (b.Steal - a.Steal) / hz;
        double foreign = Math.Max(0, (b.Busy - a.Busy) / hz - own);
        Harness.Note($"contention[{what}]: wall={wall:F1}s own_cpu={own:F1}s foreign_cpu={foreign:F1}s (avg {foreign / wall:F2} cores) steal={steal:F1}s minor_faults={b.MinorFaults - a.MinorFaults}");
    }
}
