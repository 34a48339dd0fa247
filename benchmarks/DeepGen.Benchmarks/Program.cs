using BenchmarkDotNet.Running;
using DeepGen.Benchmarks.Compare;

namespace DeepGen.Benchmarks;

/// <summary>
/// <c>compare GROUP [options]</c> runs the peer benchmark's workloads and prints its figures; anything else
/// goes to BenchmarkDotNet (e.g. <c>--filter *Gemm*</c>).
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "compare") return CompareCommand.Run(args[1..]);
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }
}
