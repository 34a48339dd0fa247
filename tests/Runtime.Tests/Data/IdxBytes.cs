using System.Buffers.Binary;
using System.IO.Compression;

namespace DeepGen.Tests.Data;

/// <summary>Builds IDX files byte by byte, plain or gzip-compressed, for the reader tests.</summary>
internal static class IdxBytes
{
    /// <summary>A well-formed IDX file: magic 00 00 type rank, big-endian dims, then <paramref name="data"/>.</summary>
    public static byte[] Make(byte type, int[] dims, byte[] data)
    {
        var bytes = new byte[4 + 4 * dims.Length + data.Length];
        bytes[2] = type;
        bytes[3] = (byte)dims.Length;
        for (int i = 0; i < dims.Length; i++) BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4 + 4 * i), dims[i]);
        data.CopyTo(bytes, 4 + 4 * dims.Length);
        return bytes;
    }

    public static byte[] Gzip(byte[] bytes)
    {
        using var output = new MemoryStream();
        using (var gz = new GZipStream(output, CompressionLevel.Fastest)) gz.Write(bytes);
        return output.ToArray();
    }

    public static byte[] MaybeGzip(byte[] bytes, bool gzip) => gzip ? Gzip(bytes) : bytes;

    /// <summary>Unsigned-byte images [n, rows, cols] with pixel k = (k * 37 + 11) mod 256.</summary>
    public static byte[] Pixels(int count)
    {
        var data = new byte[count];
        for (int k = 0; k < count; k++) data[k] = (byte)((k * 37 + 11) % 256);
        return data;
    }
}
