namespace DeepGen.IO;

/// <summary>
/// Writes a file all-or-nothing: the content goes to a temporary file in the same folder, which is
/// flushed to disk and then moved over the target. A reader sees the old file or the complete new one,
/// never a torn write, and a write that fails leaves the old file as it was and no temporary file behind.
/// </summary>
public static class AtomicFile
{
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        string full = Path.GetFullPath(path);
        string folder = Path.GetDirectoryName(full) ?? throw new ArgumentException($"atomic write: '{path}' is not a file path", nameof(path));
        // same folder, so the final move is a rename within one file system
        string temp = Path.Combine(folder, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            try { File.Delete(temp); }
            catch (IOException) { /* the original exception matters more */ }
            catch (UnauthorizedAccessException) { }
            throw;
        }
    }
}
