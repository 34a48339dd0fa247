using System.Globalization;
using System.Runtime.InteropServices;

namespace DeepGen.Benchmarks.Compare;

/// <summary>
/// <c>compare GROUP [--reps N] [--target-ms X] [--warm-ms X]</c>: DeepGen's side of the comparison with the
/// peer benchmark (libtorch). Every group runs the peer's workload with the same shapes, timing method,
/// figure names and units, so the two outputs join on the name. Threads: DeepGen uses
/// <c>Environment.ProcessorCount</c> (set <c>DOTNET_PROCESSOR_COUNT</c> to match the peer's <c>--threads</c>).
/// </summary>
internal static class CompareCommand
{
    /// <summary>The peer's groups, and the compiled variants (<c>GROUP.compiled</c>), which run in a process of their own under compare.sh.</summary>
    static readonly string[] Groups = ["gemm", "eltwise", "eltwise.compiled", "layernorm", "softmax", "mlp", "mlp.compiled", "cnn", "cnn.compiled", "transformer", "transformer.compiled"];

    public static int Run(string[] args)
    {
        CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
        if (args.Length == 0)
        {
            Console.Error.WriteLine($"usage: compare {string.Join('|', Groups)}|all [--reps N] [--target-ms X] [--warm-ms X]");
            return 2;
        }
        int reps = 9;
        double targetMs = 100, warmMs = 300;
        for (int i = 1; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--reps": reps = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--target-ms": targetMs = double.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--warm-ms": warmMs = double.Parse(args[++i], CultureInfo.InvariantCulture); break;
                default: Console.Error.WriteLine($"compare: unknown option {args[i]}"); return 2;
            }
        }
        var harness = new Harness { Reps = reps, TargetMs = targetMs, WarmMs = warmMs };
        string[] groups = args[0] == "all" ? Groups : [args[0]];
        if (groups.Any(g => !Groups.Contains(g)))
        {
            Console.Error.WriteLine($"compare: unknown group '{args[0]}' (known: {string.Join(", ", Groups)}, all)");
            return 2;
        }
        Harness.Note($"DeepGen compare {string.Join(' ', args)} | workers={Environment.ProcessorCount} | {RuntimeInformation.FrameworkDescription} | pid={Environment.ProcessId}");
        foreach (var group in groups)
        {
            var before = CpuSnapshot.Take();
            Workloads.Run(group, harness);
            CpuSnapshot.Report(group, before, CpuSnapshot.Take());
        }
        return 0;
    }
}
