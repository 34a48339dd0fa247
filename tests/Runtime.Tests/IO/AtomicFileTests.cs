using DeepGen.IO;

namespace DeepGen.Tests.IO;

public class AtomicFileTests
{
    [Fact]
    public void WritesAndReplaces()
    {
        using var dir = new TempFolder();
        string path = dir["state.bin"];
        AtomicFile.Write(path, s => s.Write([1, 2, 3]));
        Assert.Equal(new byte[] { 1, 2, 3 }, File.ReadAllBytes(path));
        AtomicFile.Write(path, s => s.Write([4]));
        Assert.Equal(new byte[] { 4 }, File.ReadAllBytes(path));
        Assert.Single(Directory.GetFiles(dir.Path));
    }

    [Fact]
    public void AWriteThatFailsHalfwayLeavesTheOldFileIntactAndNoTemporaryFile()
    {
        using var dir = new TempFolder();
        string path = dir.Write("state.bin", [9, 9, 9]);
        var e = Assert.Throws<InvalidOperationException>(() => AtomicFile.Write(path, s =>
        {
            s.Write(new byte[100_000]);
            s.Flush();
            // the temporary file exists and holds part of the new content at this point
            Assert.Equal(2, Directory.GetFiles(dir.Path).Length);
            throw new InvalidOperationException("disk on fire");
        }));
        Assert.Equal("disk on fire", e.Message);
        Assert.Equal(new byte[] { 9, 9, 9 }, File.ReadAllBytes(path));
        Assert.Equal([path], Directory.GetFiles(dir.Path));
    }
}
