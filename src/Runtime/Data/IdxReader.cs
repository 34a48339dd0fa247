using System.Buffers.Binary;
using System.IO.Compression;

namespace DeepGen.Data;

/// <summary>
/// Reads IDX files (the MNIST / Fashion-MNIST format), plain or gzip-compressed. Compression is detected
/// from the content (gzip's magic bytes 1F 8B), not the file name. Layout: two zero bytes, a type byte,
/// the number of dimensions, one big-endian int32 per dimension, then exactly the data, big-endian.
/// Every deviation throws an <see cref="InvalidDataException"/> naming the file and the offset.
/// </summary>
public static class IdxReader
{
    public static IdxFile Read(string path)
    {
        using var file = File.OpenRead(path);
        Span<byte> gzipMagic = stackalloc byte[2];
        bool gzip = file.ReadAtLeast(gzipMagic, 2, throwOnEndOfStream: false) == 2 && gzipMagic[0] == 0x1F && gzipMagic[1] == 0x8B;
        file.Position = 0;
        if (!gzip) return Read(file, path, "the file", "");
        using var unzipped = new GZipStream(file, CompressionMode.Decompress);
        try
        {
            return Read(unzipped, path, "the decompressed data", " of the decompressed data");
        }
        catch (InvalidDataException e) when (!e.Message.StartsWith("idx:", StringComparison.Ordinal))
        {
            throw new InvalidDataException($"idx: '{path}': the gzip data is corrupt: {e.Message}", e);
        }
    }

    /// <summary>
    /// Parses an IDX stream. For messages, <paramref name="what"/> names the stream ("the file" or "the
    /// decompressed data") and <paramref name="where"/> follows offsets to tell which bytes they count.
    /// </summary>
    static IdxFile Read(Stream stream, string path, string what, string where)
    {
        Span<byte> magic = stackalloc byte[4];
        int got = stream.ReadAtLeast(magic, 4, throwOnEndOfStream: false);
        if (got < 4)
            throw Error(path, $"{what} is {got} bytes long, shorter than the 4-byte IDX magic number");
        if (magic[0] != 0 || magic[1] != 0)
            throw Error(path, $"offset 0{where}: bad magic number {Hex(magic)}; an IDX file starts with 0x00 0x00, a type byte and the number of dimensions");
        if (!IdxDataTypes.IsDefined(magic[2]))
            throw Error(path, $"offset 2{where}: unknown data type 0x{magic[2]:X2}; IDX defines 0x08 (unsigned byte), 0x09 (signed byte), 0x0B (short), 0x0C (int), 0x0D (float), 0x0E (double)");
        var type = (IdxDataType)magic[2];
        int rank = magic[3];
        if (rank == 0)
            throw Error(path, $"offset 3{where}: the number of dimensions is 0; an IDX file has at least one");

        var dimBytes = new byte[4 * rank];
        got = stream.ReadAtLeast(dimBytes, dimBytes.Length, throwOnEndOfStream: false);
        if (got < dimBytes.Length)
            throw Error(path, $"{what} ends at offset {4 + got}, inside the {rank} dimension sizes (the header is {4 + dimBytes.Length} bytes)");
        var shape = new int[rank];
        long expected = type.ElementSize();
        for (int i = 0; i < rank; i++)
        {
            shape[i] = BinaryPrimitives.ReadInt32BigEndian(dimBytes.AsSpan(4 * i));
            if (shape[i] <= 0)
                throw Error(path, $"offset {4 + 4 * i}{where}: dimension {i} has size {shape[i]}; sizes must be positive");
            expected *= shape[i];
            if (expected > Array.MaxLength || expected / type.ElementSize() > int.MaxValue)
                throw Error(path, $"the shape {Shapes.Format(shape.AsSpan(0, i + 1))}... of {type.Name()} holds more data than one tensor can ({int.MaxValue} elements)");
        }

        long dataOffset = 4 + dimBytes.Length;
        var data = new byte[expected];
        got = stream.ReadAtLeast(data, data.Length, throwOnEndOfStream: false);
        if (got < expected)
            throw Error(path, $"truncated: shape {Shapes.Format(shape)} of {type.Name()} needs {expected} data bytes from offset {dataOffset}{where}, but only {got} are there ({what} is {dataOffset + got} bytes, expected {dataOffset + expected})");
        long trailing = CountRest(stream);
        if (trailing > 0)
            throw Error(path, $"{trailing} trailing bytes at offset {dataOffset + expected}{where}, after the {expected} data bytes of shape {Shapes.Format(shape)} of {type.Name()} ({what} is {dataOffset + expected + trailing} bytes, expected {dataOffset + expected})");
        return new IdxFile(type, shape, data, path);
    }

    static long CountRest(Stream stream)
    {
        var buffer = new byte[64 * 1024];
        long total = 0;
        int n;
        while ((n = stream.Read(buffer)) > 0) total += n;
        return total;
    }

    static string Hex(ReadOnlySpan<byte> bytes) => string.Join(" ", bytes.ToArray().Select(b => $"0x{b:X2}"));

    static InvalidDataException Error(string path, string message) => new($"idx: '{path}': {message}");
}
