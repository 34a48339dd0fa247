using System.Runtime.CompilerServices;
using System.Text;

namespace DeepGen.SnapshotTests;

/// <summary>
/// A small approved-files helper. <see cref="Verify"/> compares a text with
/// <c>Approved/&lt;name&gt;.approved.txt</c> beside the calling test file. On a mismatch it writes
/// <c>&lt;name&gt;.received.txt</c> next to it (git-ignored) and fails with the differing lines.
/// Run with <c>DEEPGEN_ACCEPT_SNAPSHOTS=1</c> to write the received text as the approved file instead
/// (then review the change with git diff). Line endings are normalised to '\n' and the text ends with one '\n'.
/// </summary>
public static class Snapshot
{
    /// <summary>The environment variable that, set to 1, accepts received texts as approved.</summary>
    public const string AcceptVariable = "DEEPGEN_ACCEPT_SNAPSHOTS";

    /// <summary>Checks <paramref name="actual"/> against the approved file <paramref name="name"/>.</summary>
    /// <exception cref="SnapshotMismatchException">The approved file is missing or differs.</exception>
    public static void Verify(string name, string actual, [CallerFilePath] string callerFile = "")
    {
        Verify(ApprovedDirectory(callerFile), name, actual, Environment.GetEnvironmentVariable(AcceptVariable) == "1");
    }

    /// <summary>Checks <paramref name="actual"/> against <c>&lt;directory&gt;/&lt;name&gt;.approved.txt</c>.</summary>
    /// <param name="directory">Where the approved and received files live.</param>
    /// <param name="name">The snapshot's name (file name without suffix).</param>
    /// <param name="actual">The text to check.</param>
    /// <param name="accept">Write <paramref name="actual"/> as the approved text instead of comparing.</param>
    /// <exception cref="SnapshotMismatchException">The approved file is missing or differs (and <paramref name="accept"/> is false).</exception>
    public static void Verify(string directory, string name, string actual, bool accept)
    {
        string approvedPath = Path.Combine(directory, name + ".approved.txt");
        string receivedPath = Path.Combine(directory, name + ".received.txt");
        string received = Normalize(actual);

        if (accept)
        {
            Directory.CreateDirectory(directory);
            File.WriteAllText(approvedPath, received);
            File.Delete(receivedPath);
            return;
        }

        if (!File.Exists(approvedPath))
        {
            File.WriteAllText(receivedPath, received);
            throw new SnapshotMismatchException(
                $"Snapshot '{name}' has no approved file {approvedPath}.\n" +
                $"The text was written to {receivedPath}; review it, then rename it to {Path.GetFileName(approvedPath)} " +
                $"or rerun with {AcceptVariable}=1.");
        }

        string approved = Normalize(File.ReadAllText(approvedPath));
        if (approved == received)
        {
            File.Delete(receivedPath); // a stale one from an earlier failure
            return;
        }

        File.WriteAllText(receivedPath, received);
        throw new SnapshotMismatchException(
            $"Snapshot '{name}' differs from {approvedPath}.\n" +
            $"Received: {receivedPath}\n" +
            Diff(approved, received) +
            $"If the new text is right, copy the received file over the approved one or rerun with {AcceptVariable}=1.");
    }

    /// <summary>'\n' line endings, exactly one '\n' at the end.</summary>
    public static string Normalize(string text) => text.Replace("\r\n", "\n").TrimEnd('\n') + "\n";

    /// <summary>
    /// The differing region between the common leading and trailing lines, as "-" (approved) and "+"
    /// (received) lines, with up to two lines of context and the 1-based line number where it starts.
    /// </summary>
    internal static string Diff(string approved, string received)
    {
        string[] a = approved.Split('\n');
        string[] b = received.Split('\n');
        int prefix = 0;
        while (prefix < a.Length && prefix < b.Length && a[prefix] == b[prefix])
        {
            prefix++;
        }

        int suffix = 0;
        while (suffix < a.Length - prefix && suffix < b.Length - prefix && a[a.Length - 1 - suffix] == b[b.Length - 1 - suffix])
        {
            suffix++;
        }

        const int Context = 2;
        var diff = new StringBuilder();
        diff.Append("--- approved\n+++ received\n");
        diff.Append($"@@ line {prefix + 1} @@\n");
        for (int i = Math.Max(0, prefix - Context); i < prefix; i++)
        {
            diff.Append("  ").Append(a[i]).Append('\n');
        }

        for (int i = prefix; i < a.Length - suffix; i++)
        {
            diff.Append("- ").Append(a[i]).Append('\n');
        }

        for (int i = prefix; i < b.Length - suffix; i++)
        {
            diff.Append("+ ").Append(b[i]).Append('\n');
        }

        for (int i = a.Length - suffix; i < Math.Min(a.Length, a.Length - suffix + Context); i++)
        {
            diff.Append("  ").Append(a[i]).Append('\n');
        }

        return diff.ToString();
    }

    /// <summary>
    /// <c>Approved/</c> beside the calling source file. If that path does not exist (a build that maps
    /// source paths), look for tests/SnapshotTests/Approved above the test's output folder.
    /// </summary>
    private static string ApprovedDirectory(string callerFile)
    {
        string? besideCaller = Path.GetDirectoryName(callerFile);
        if (besideCaller is not null && Directory.Exists(besideCaller))
        {
            return Path.Combine(besideCaller, "Approved");
        }

        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "tests", "SnapshotTests", "Approved");
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException($"Cannot find the Approved folder: the caller's path '{callerFile}' does not exist here.");
    }
}

/// <summary>A snapshot did not match its approved file (or has none).</summary>
public sealed class SnapshotMismatchException(string message) : Exception(message);
