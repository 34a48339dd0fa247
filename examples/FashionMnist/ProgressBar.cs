using System.Diagnostics;

namespace DeepGen.Examples.FashionMnist;

/// <summary>
/// One console line redrawn in place: a bar, the running loss and the throughput. When the output is
/// not a terminal (CI logs) it prints a line every tenth of the epoch instead of redrawing.
/// </summary>
public sealed class ProgressBar(string label, int total, TextWriter output)
{
    const int Width = 30;
    readonly Stopwatch clock = Stopwatch.StartNew();
    readonly bool interactive = !Console.IsOutputRedirected && ReferenceEquals(output, Console.Out);
    int lastDecile = -1;

    public void Update(int done, double loss, int samples)
    {
        double seconds = Math.Max(clock.Elapsed.TotalSeconds, 1e-9);
        int filled = total == 0 ? Width : done * Width / total;
        string line = $"{label} [{new string('#', filled)}{new string('.', Width - filled)}] {done}/{total} loss {loss:F4} {samples / seconds,8:F0} samples/s";
        if (interactive)
        {
            output.Write("\r" + line);
            if (done == total) output.WriteLine();
            return;
        }
        int decile = total == 0 ? 10 : done * 10 / total;
        if (decile > lastDecile)
        {
            lastDecile = decile;
            output.WriteLine(line);
        }
    }
}
