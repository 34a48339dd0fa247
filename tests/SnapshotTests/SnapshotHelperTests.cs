using Xunit;

namespace DeepGen.SnapshotTests;

public sealed class SnapshotHelperTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("deepgen-snapshot-");

    private string Approved => Path.Combine(_directory.FullName, "sample.approved.txt");

    private string Received => Path.Combine(_directory.FullName, "sample.received.txt");

    public void Dispose() => _directory.Delete(recursive: true);

    [Fact]
    public void A_match_passes_and_removes_a_stale_received_file()
    {
        File.WriteAllText(Approved, "one\r\ntwo\r\n");
        File.WriteAllText(Received, "stale");

        Snapshot.Verify(_directory.FullName, "sample", "one\ntwo", accept: false);

        Assert.False(File.Exists(Received));
    }

    [Fact]
    public void A_mismatch_fails_with_the_differing_lines_and_writes_the_received_file()
    {
        File.WriteAllText(Approved, "header\nsame\nold line\nfooter\n");

        var error = Assert.Throws<SnapshotMismatchException>(
            () => Snapshot.Verify(_directory.FullName, "sample", "header\nsame\nnew line\nfooter\n", accept: false));

        Assert.Contains("Snapshot 'sample' differs from " + Approved, error.Message);
        Assert.Contains("Received: " + Received, error.Message);
        Assert.Contains("@@ line 3 @@\n  header\n  same\n- old line\n+ new line\n  footer\n", error.Message);
        Assert.Equal("header\nsame\nnew line\nfooter\n", File.ReadAllText(Received));
        Assert.Equal("header\nsame\nold line\nfooter\n", File.ReadAllText(Approved));
    }

    [Fact]
    public void A_missing_approved_file_fails_and_writes_the_received_file()
    {
        var error = Assert.Throws<SnapshotMismatchException>(
            () => Snapshot.Verify(_directory.FullName, "sample", "text", accept: false));

        Assert.Contains("has no approved file", error.Message);
        Assert.Equal("text\n", File.ReadAllText(Received));
        Assert.False(File.Exists(Approved));
    }

    [Fact]
    public void Accepting_writes_the_approved_file()
    {
        File.WriteAllText(Approved, "old\n");
        File.WriteAllText(Received, "new\n");

        Snapshot.Verify(_directory.FullName, "sample", "new", accept: true);

        Assert.Equal("new\n", File.ReadAllText(Approved));
        Assert.False(File.Exists(Received));
        Snapshot.Verify(_directory.FullName, "sample", "new", accept: false);
    }

    [Fact]
    public void Diff_shows_added_lines_at_the_end()
    {
        Assert.Equal(
            "--- approved\n+++ received\n@@ line 3 @@\n  a\n  b\n+ c\n  \n",
            Snapshot.Diff("a\nb\n", "a\nb\nc\n"));
    }
}
