using System.Diagnostics;
using System.Globalization;

namespace DeepGen.Benchmarks.Compare;

/// <summary>
/// The peer benchmark's timing method, unchanged: warm up for at least two calls and WarmMs, size the
/// inner loop so one repetition lasts about TargetMs, time Reps repetitions and report the median (and the
/// fastest as <c>.best</c>). Output lines are <c>name&lt;TAB&gt;value&lt;TAB&gt;unit</c>; notes start with '#'.
/// </summary>
internal sealed class Harness
{
    public int Reps { get; init; } = 9;
    public double TargetMs { get; init; } = 100;
    public double WarmMs { get; init; } = 300;

    /// <summary>Per-call milliseconds: (median, fastest) over the repetitions.</summary>
    public (double Median, double Best) Time(Action body)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var sw = Stopwatch.StartNew();
        int calls = 0;
        while (calls < 2 || sw.Elapsed.TotalMilliseconds < WarmMs) { body(); calls++; }
        double perCall = sw.Elapsed.TotalMilliseconds / calls;
        int inner = Math.Max(1, (int)Math.Ceiling(TargetMs / Math.Max(perCall, 1e-6)));
        var times = new double[Reps];
        for (int r = 0; r < Reps; r++)
        {
            sw.Restart();
            for (int i = 0; i < inner; i++) body();
            times[r] = sw.Elapsed.TotalMilliseconds / inner;
        }
        Array.Sort(times);
        return (times[Reps / 2], times[0]);
    }

    /// <summary>
    /// Calls <paramref name="body"/> 40 times before a compiled model's figures: the JIT optimises a method
    /// (tier 1) after 30 calls, and a generated model's methods get no calls from other figures.
    /// </summary>
    public static void WarmUp(Action body)
    {
        for (int i = 0; i < 40; i++) body();
    }

    /// <summary>
    /// <paramref name="body"/> inside a dispose scope of its own, as the peer runs its eltwise figures
    /// (<c>Scoped</c> in its Program.cs): each call's tensors go back to the pool when it returns.
    /// </summary>
    public static Action Scoped(Action body) => () =>
    {
        using var scope = Torch.NewDisposeScope();
        body();
    };

    public static void Emit(string name, double value, string unit) =>
        Console.WriteLine($"{name}\t{value.ToString("G5", CultureInfo.InvariantCulture)}\t{unit}");

    public static void Note(string text) => Console.WriteLine("# " + text);

    public static void EmitMs(string name, (double Median, double Best) t)
    {
        Emit(name, t.Median, "ms");
        Emit(name + ".best", t.Best, "ms");
    }

    public static void EmitUs(string name, (double Median, double Best) t)
    {
        Emit(name, t.Median * 1e3, "us");
        Emit(name + ".best", t.Best * 1e3, "us");
    }

    /// <summary>Work per second: work units per call over seconds per call, divided by <paramref name="scale"/>.</summary>
    public static void EmitRate(string name, (double Median, double Best) t, double workPerCall, double scale, string unit)
    {
        Emit(name, workPerCall / (t.Median * 1e-3) / scale, unit);
        Emit(name + ".best", workPerCall / (t.Best * 1e-3) / scale, unit);
    }
}
