using System.Buffers.Binary;
using System.IO.MemoryMappedFiles;
using System.Runtime.InteropServices;

namespace DeepGen.IO;

/// <summary>
/// Reads and writes the safetensors format (Hugging Face's): an 8-byte little-endian header length N,
/// N bytes of UTF-8 JSON describing each tensor's dtype, shape and byte range, then the tensors' raw
/// little-endian data, covering the rest of the file exactly. Files written here are byte-identical to the
/// reference implementation's; files read are validated as strictly as it does, and more.
/// </summary>
public static class Safetensors
{
    /// <summary>The reference implementation's limit on the header size.</summary>
    public const long MaxHeaderLength = 100_000_000;

    /// <summary>
    /// Saves <paramref name="tensors"/> (and optional string metadata) to <paramref name="path"/> atomically:
    /// an existing file is replaced only once the new one is completely written. Tensors may be views or
    /// non-contiguous; their elements are written row-major. Like the reference implementation, the data is
    /// ordered by descending element size, then by name, so every tensor is aligned in the file.
    /// </summary>
    public static void Save(string path, IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("safetensors: saving needs a little-endian machine");
        var entries = new List<(string Name, byte[] Utf8Name, Tensor Data, SafetensorsDType DType)>();
        foreach (var (name, tensor) in tensors)
        {
            if (name is null) throw new ArgumentException("safetensors: save: a tensor name is null");
            if (tensor is null) throw new ArgumentException($"safetensors: save: tensor '{name}' is null");
            if (name == SafetensorsHeader.MetadataKey)
                throw new ArgumentException($"safetensors: save: '{SafetensorsHeader.MetadataKey}' is reserved for the metadata and cannot name a tensor");
            byte[] utf8;
            try { utf8 = SafetensorsHeaderWriter.Utf8(name); }
            catch (ArgumentException) { throw new ArgumentException($"safetensors: save: tensor name '{name}' is not valid Unicode (it has an unpaired surrogate)"); }
            entries.Add((name, utf8, tensor.Detach().RawContiguous(), SafetensorsDType.Of(tensor.DType)));
        }
        entries.Sort((a, b) => a.DType.Order != b.DType.Order ? b.DType.Order.CompareTo(a.DType.Order) : a.Utf8Name.AsSpan().SequenceCompareTo(b.Utf8Name));

        var header = new SafetensorsHeaderWriter();
        if (metadata is not null)
        {
            var sorted = metadata.ToList();
            foreach (var (key, value) in sorted)
                if (key is null || value is null) throw new ArgumentException("safetensors: save: metadata keys and values must not be null");
            sorted.Sort((a, b) => SafetensorsHeaderWriter.Utf8(a.Key).AsSpan().SequenceCompareTo(SafetensorsHeaderWriter.Utf8(b.Key)));
            header.Metadata(sorted);
        }
        long offset = 0;
        foreach (var e in entries)
        {
            long length = (long)e.Data.Numel * e.DType.Size;
            header.Tensor(e.Name, e.DType.Name, e.Data.shape, offset, offset + length);
            offset += length;
        }
        byte[] headerBytes = header.ToBytes();

        AtomicFile.Write(path, stream =>
        {
            Span<byte> length = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)headerBytes.Length);
            stream.Write(length);
            stream.Write(headerBytes);
            foreach (var e in entries)
            {
                switch (e.Data.DType)
                {
                    case DType.Float32: WriteData<float>(stream, e.Data); break;
                    case DType.Float64: WriteData<double>(stream, e.Data); break;
                    case DType.Int64: WriteData<long>(stream, e.Data); break;
                    case DType.Bool: WriteData<bool>(stream, e.Data); break;
                }
            }
        });
    }

    static void WriteData<T>(Stream stream, Tensor contiguous) where T : unmanaged
    {
        var elements = contiguous.Data<T>().AsSpan(contiguous.offset, contiguous.Numel);
        // in chunks: one span of bytes cannot exceed 2 GB
        const int chunk = 1 << 20;
        for (int i = 0; i < elements.Length; i += chunk)
            stream.Write(MemoryMarshal.AsBytes(elements.Slice(i, Math.Min(chunk, elements.Length - i))));
    }

    /// <summary>Loads every tensor of a safetensors file (see <see cref="Load(string, out Dictionary{string, string})"/>).</summary>
    public static Dictionary<string, Tensor> Load(string path) => Load(path, out _);

    /// <summary>
    /// Loads every tensor of a safetensors file, in header order, and its "__metadata__" (empty when absent).
    /// The file is memory-mapped and each tensor copied out of it. F32, F64, I64 and BOOL load as float32,
    /// float64, int64 and bool; F16 and BF16 are widened to float32, the other integer types to int64.
    /// Any inconsistency throws an <see cref="InvalidDataException"/> naming the file, the tensor and the
    /// offsets and shapes involved.
    /// </summary>
    public static unsafe Dictionary<string, Tensor> Load(string path, out Dictionary<string, string> metadata)
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("safetensors: loading needs a little-endian machine");
        Exception Error(string message) => new InvalidDataException($"safetensors: '{path}': {message}");

        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        long fileLength = file.Length;
        if (fileLength < 8)
            throw Error($"the file is {fileLength} bytes long, shorter than the 8-byte header length that starts a safetensors file");
        using var map = MemoryMappedFile.CreateFromFile(file, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: true);
        using var view = map.CreateViewAccessor(0, fileLength, MemoryMappedFileAccess.Read);
        byte* start = null;
        view.SafeMemoryMappedViewHandle.AcquirePointer(ref start);
        try
        {
            byte* bytes = start + view.PointerOffset;
            ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(new ReadOnlySpan<byte>(bytes, 8));
            if (headerLength > MaxHeaderLength)
                throw Error($"the header length {headerLength} is larger than the {MaxHeaderLength}-byte limit (the file is {fileLength} bytes)");
            if ((long)headerLength > fileLength - 8)
                throw Error($"the header length {headerLength} runs past the end of the file: the file is {fileLength} bytes, so at most {fileLength - 8} bytes of header follow the length");
            var (entries, meta) = SafetensorsHeader.Parse(new ReadOnlySpan<byte>(bytes + 8, (int)headerLength), Error);
            long bufferStart = 8 + (long)headerLength;
            long bufferLength = fileLength - bufferStart;
            var dtypes = Validate(entries, bufferStart, bufferLength, Error);

            var result = new Dictionary<string, Tensor>(entries.Count, StringComparer.Ordinal);
            for (int i = 0; i < entries.Count; i++)
                result.Add(entries[i].Name, Copy(bytes + bufferStart + entries[i].Begin, entries[i], dtypes[i]));
            metadata = meta ?? new Dictionary<string, string>(StringComparer.Ordinal);
            return result;
        }
        finally
        {
            view.SafeMemoryMappedViewHandle.ReleasePointer();
        }
    }

    /// <summary>Checks each entry against the data buffer, then that the entries tile it exactly, in order.</summary>
    static SafetensorsDType[] Validate(List<SafetensorsEntry> entries, long bufferStart, long bufferLength, Func<string, Exception> error)
    {
        var dtypes = new SafetensorsDType[entries.Count];
        for (int i = 0; i < entries.Count; i++)
        {
            var e = entries[i];
            if (!SafetensorsDType.TryParse(e.DType, out dtypes[i]))
                throw error($"tensor '{e.Name}' has the unsupported dtype '{e.DType}' (DeepGen reads {SafetensorsDType.SupportedNames})");
            long numel = 1;
            foreach (var d in e.Shape)
            {
                if (d > int.MaxValue || (numel *= d) > int.MaxValue)
                    throw error($"tensor '{e.Name}': shape {e.ShapeText} has more elements than a DeepGen tensor can hold ({int.MaxValue})");
            }
            if (e.Begin > e.End)
                throw error($"tensor '{e.Name}': data_offsets {e.OffsetsText} end before they begin");
            if (e.End > bufferLength)
                throw error($"tensor '{e.Name}': data_offsets {e.OffsetsText} run past the end of the {bufferLength}-byte data buffer (file offsets {bufferStart + e.Begin}..{bufferStart + e.End} of a {bufferStart + bufferLength}-byte file)");
            long bytes = numel * dtypes[i].Size;
            if (e.End - e.Begin != bytes)
                throw error($"tensor '{e.Name}': dtype {e.DType} and shape {e.ShapeText} take {bytes} bytes, but data_offsets {e.OffsetsText} hold {e.End - e.Begin}");
        }

        var byOffset = entries.OrderBy(e => e.Begin).ThenBy(e => e.End).ToList();
        long covered = 0;
        SafetensorsEntry? previous = null;
        foreach (var e in byOffset)
        {
            if (e.Begin < covered)
                throw error($"tensor '{e.Name}' at data_offsets {e.OffsetsText} overlaps tensor '{previous!.Name}' at {previous.OffsetsText}");
            if (e.Begin > covered)
                throw error($"bytes [{covered}, {e.Begin}) of the data buffer belong to no tensor (the next is '{e.Name}' at {e.OffsetsText}{(previous is null ? "" : $", after '{previous.Name}' at {previous.OffsetsText}")}); the tensors must cover the buffer exactly, in order");
            covered = e.End;
            previous = e;
        }
        if (covered != bufferLength)
            throw error($"{bufferLength - covered} trailing bytes at file offset {bufferStart + covered}: the tensors cover [0, {covered}) of the {bufferLength}-byte data buffer{(previous is null ? "" : $" (the last is '{previous.Name}' at {previous.OffsetsText})")}");
        return dtypes;
    }

    /// <summary>Copies one tensor out of the mapped file, widening narrow dtypes.</summary>
    static unsafe Tensor Copy(byte* source, SafetensorsEntry entry, SafetensorsDType dtype)
    {
        int[] shape = [.. entry.Shape.Select(d => (int)d)];
        var tensor = new Tensor(shape, dtype.Target);
        int n = tensor.Numel;
        switch (dtype.Name)
        {
            case "F32": CopyRaw(source, tensor.Data<float>(), n); break;
            case "F64": CopyRaw(source, tensor.Data<double>(), n); break;
            case "I64": CopyRaw(source, tensor.Data<long>(), n); break;
            case "BOOL":
            {
                // any nonzero byte is true; a raw copy could make bools that are neither true nor false
                var dst = tensor.Data<bool>();
                for (int i = 0; i < n; i++) dst[i] = source[i] != 0;
                break;
            }
            case "F16":
            {
                var dst = tensor.Data<float>();
                for (int i = 0; i < n; i++) dst[i] = (float)BitConverter.UInt16BitsToHalf(Read<ushort>(source, i));
                break;
            }
            case "BF16":
            {
                // bfloat16 is the top half of a float32
                var dst = tensor.Data<float>();
                for (int i = 0; i < n; i++) dst[i] = BitConverter.UInt32BitsToSingle((uint)Read<ushort>(source, i) << 16);
                break;
            }
            case "U8": WidenToInt64<byte>(source, tensor.Data<long>(), n); break;
            case "I8": WidenToInt64<sbyte>(source, tensor.Data<long>(), n); break;
            case "I16": WidenToInt64<short>(source, tensor.Data<long>(), n); break;
            case "U16": WidenToInt64<ushort>(source, tensor.Data<long>(), n); break;
            case "I32": WidenToInt64<int>(source, tensor.Data<long>(), n); break;
            case "U32": WidenToInt64<uint>(source, tensor.Data<long>(), n); break;
            default: throw new InvalidOperationException($"safetensors: no copy for dtype {dtype.Name}");
        }
        return tensor;
    }

    static unsafe void CopyRaw<T>(byte* source, T[] destination, int count) where T : unmanaged
    {
        fixed (T* dst = destination)
            Buffer.MemoryCopy(source, dst, (long)destination.Length * sizeof(T), (long)count * sizeof(T));
    }

    static unsafe T Read<T>(byte* source, int index) where T : unmanaged =>
        System.Runtime.CompilerServices.Unsafe.ReadUnaligned<T>(source + (long)index * sizeof(T));

    static unsafe void WidenToInt64<T>(byte* source, long[] destination, int count) where T : unmanaged, System.Numerics.IBinaryInteger<T>
    {
        for (int i = 0; i < count; i++) destination[i] = long.CreateTruncating(Read<T>(source, i));
    }
}
