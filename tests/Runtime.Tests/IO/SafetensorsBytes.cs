using System.Buffers.Binary;
using System.Text;

namespace DeepGen.Tests.IO;

/// <summary>Builds safetensors files by hand: length, header text, data bytes.</summary>
internal static class SafetensorsBytes
{
    public static byte[] Make(string header, params byte[] data)
    {
        var json = Encoding.UTF8.GetBytes(header);
        return Make(json, data);
    }

    public static byte[] Make(byte[] header, byte[] data)
    {
        var bytes = new byte[8 + header.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)header.Length);
        header.CopyTo(bytes, 8);
        data.CopyTo(bytes, 8 + header.Length);
        return bytes;
    }

    public static byte[] Floats(params float[] values)
    {
        var bytes = new byte[4 * values.Length];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(4 * i), values[i]);
        return bytes;
    }
}
