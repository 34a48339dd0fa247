using System.Buffers.Binary;

namespace DeepGen.Data;

/// <summary>
/// The contents of an IDX file (the MNIST format): an element type, a shape, and the elements' bytes exactly
/// as stored, row-major and big-endian. <see cref="IdxReader.Read"/> makes one; the To*Tensor methods
/// convert it to DeepGen tensors.
/// </summary>
public sealed class IdxFile
{
    public IdxFile(IdxDataType dataType, int[] shape, byte[] data, string source = "<memory>")
    {
        if (!IdxDataTypes.IsDefined((byte)dataType))
            throw new ArgumentOutOfRangeException(nameof(dataType), dataType, "idx: unknown data type");
        if (shape.Length == 0) throw new ArgumentException("idx: an IDX file has at least one dimension");
        long numel = 1;
        foreach (var d in shape)
        {
            if (d <= 0) throw new ArgumentException($"idx: dimensions must be positive, got shape {Shapes.Format(shape)}");
            numel *= d;
            if (numel > int.MaxValue) throw new ArgumentException($"idx: shape {Shapes.Format(shape)} has more elements than a tensor can hold ({int.MaxValue})");
        }
        if (data.LongLength != numel * dataType.ElementSize())
            throw new ArgumentException($"idx: shape {Shapes.Format(shape)} of {dataType.Name()} needs {numel * dataType.ElementSize()} bytes, got {data.LongLength}");
        DataType = dataType;
        Shape = shape;
        Data = data;
        Source = source;
    }

    public IdxDataType DataType { get; }

    /// <summary>The dimension sizes (all positive).</summary>
    public int[] Shape { get; }

    /// <summary>The elements' bytes as stored in the file (big-endian for multi-byte types).</summary>
    public byte[] Data { get; }

    /// <summary>Where the data came from (the file path), for error messages.</summary>
    public string Source { get; }

    /// <summary>Size of the first dimension: the number of images or labels.</summary>
    public int Count => Shape[0];

    public int Numel => Shapes.Numel(Shape);

    /// <summary>
    /// The data as a tensor of the same shape: int64 for the integer types, float32 for float, float64 for double.
    /// </summary>
    public Tensor ToTensor()
    {
        switch (DataType)
        {
            case IdxDataType.Float:
            {
                var t = new Tensor((int[])Shape.Clone(), DType.Float32);
                DecodeFloats(t.ContiguousSpan<float>(), 1f);
                return t;
            }
            case IdxDataType.Double:
            {
                var t = new Tensor((int[])Shape.Clone(), DType.Float64);
                var dst = t.ContiguousSpan<double>();
                for (int i = 0; i < dst.Length; i++) dst[i] = BinaryPrimitives.ReadDoubleBigEndian(Data.AsSpan(i * 8));
                return t;
            }
            default:
            {
                var t = new Tensor((int[])Shape.Clone(), DType.Int64);
                DecodeIntegers(t.ContiguousSpan<long>());
                return t;
            }
        }
    }

    /// <summary>
    /// A 3-d file [N, rows, cols] as float32 images times <paramref name="scale"/> (by default bytes 0..255
    /// become 0..1): shape [N, 1, rows, cols] with a channel dim for convolutions, or [N, rows, cols].
    /// </summary>
    public Tensor ToImagesTensor(float scale = 1f / 255f, bool channelDim = true)
    {
        if (Shape.Length != 3)
            throw new InvalidOperationException($"idx: to_images: '{Source}' has shape {Shapes.Format(Shape)}; images need 3 dimensions [N, rows, cols]");
        int[] shape = channelDim ? [Shape[0], 1, Shape[1], Shape[2]] : (int[])Shape.Clone();
        var t = new Tensor(shape, DType.Float32);
        DecodeFloats(t.ContiguousSpan<float>(), scale);
        return t;
    }

    /// <summary>A 1-d file of an integer type as int64 labels [N].</summary>
    public Tensor ToLabelsTensor()
    {
        if (Shape.Length != 1)
            throw new InvalidOperationException($"idx: to_labels: '{Source}' has shape {Shapes.Format(Shape)}; labels need 1 dimension [N]");
        if (!DataType.IsIntegral())
            throw new InvalidOperationException($"idx: to_labels: '{Source}' holds {DataType.Name()} values; labels need an integer type");
        var t = new Tensor([Shape[0]], DType.Int64);
        DecodeIntegers(t.ContiguousSpan<long>());
        return t;
    }

    void DecodeIntegers(Span<long> dst)
    {
        var src = Data.AsSpan();
        switch (DataType)
        {
            case IdxDataType.UnsignedByte:
                for (int i = 0; i < dst.Length; i++) dst[i] = src[i];
                break;
            case IdxDataType.SignedByte:
                for (int i = 0; i < dst.Length; i++) dst[i] = (sbyte)src[i];
                break;
            case IdxDataType.Short:
                for (int i = 0; i < dst.Length; i++) dst[i] = BinaryPrimitives.ReadInt16BigEndian(src[(i * 2)..]);
                break;
            case IdxDataType.Int:
                for (int i = 0; i < dst.Length; i++) dst[i] = BinaryPrimitives.ReadInt32BigEndian(src[(i * 4)..]);
                break;
            default:
                throw new InvalidOperationException($"idx: '{Source}' holds {DataType.Name()} values, not integers");
        }
    }

    void DecodeFloats(Span<float> dst, float scale)
    {
        var src = Data.AsSpan();
        switch (DataType)
        {
            case IdxDataType.UnsignedByte:
            {
                // 256 possible values: a lookup table keeps the per-pixel work to one load
                Span<float> table = stackalloc float[256];
                for (int v = 0; v < 256; v++) table[v] = v * scale;
                for (int i = 0; i < dst.Length; i++) dst[i] = table[src[i]];
                break;
            }
            case IdxDataType.SignedByte:
                for (int i = 0; i < dst.Length; i++) dst[i] = (sbyte)src[i] * scale;
                break;
            case IdxDataType.Short:
                for (int i = 0; i < dst.Length; i++) dst[i] = BinaryPrimitives.ReadInt16BigEndian(src[(i * 2)..]) * scale;
                break;
            case IdxDataType.Int:
                for (int i = 0; i < dst.Length; i++) dst[i] = (float)((double)BinaryPrimitives.ReadInt32BigEndian(src[(i * 4)..]) * scale);
                break;
            case IdxDataType.Float:
                for (int i = 0; i < dst.Length; i++) dst[i] = BinaryPrimitives.ReadSingleBigEndian(src[(i * 4)..]) * scale;
                break;
            case IdxDataType.Double:
                for (int i = 0; i < dst.Length; i++) dst[i] = (float)(BinaryPrimitives.ReadDoubleBigEndian(src[(i * 8)..]) * scale);
                break;
        }
    }
}
