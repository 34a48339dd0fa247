namespace DeepGen.IO;

/// <summary>
/// The safetensors dtypes DeepGen reads, with their element sizes and the DeepGen dtype each is loaded as
/// (narrower types are widened: F16/BF16 to float32, small integers to int64). <see cref="Order"/> is the
/// position in the reference implementation's dtype enum, which sorts the saved tensors by descending
/// alignment so every tensor's data stays aligned.
/// </summary>
internal readonly record struct SafetensorsDType(string Name, int Size, DType Target, int Order)
{
    static readonly SafetensorsDType[] Known =
    [
        new("BOOL", 1, DType.Bool, 0),
        new("U8", 1, DType.Int64, 1),
        new("I8", 1, DType.Int64, 2),
        new("I16", 2, DType.Int64, 5),
        new("U16", 2, DType.Int64, 6),
        new("F16", 2, DType.Float32, 7),
        new("BF16", 2, DType.Float32, 8),
        new("I32", 4, DType.Int64, 9),
        new("U32", 4, DType.Int64, 10),
        new("F32", 4, DType.Float32, 11),
        new("F64", 8, DType.Float64, 12),
        new("I64", 8, DType.Int64, 13),
    ];

    public static string SupportedNames => string.Join(", ", Known.Select(d => d.Name));

    public static bool TryParse(string name, out SafetensorsDType dtype)
    {
        foreach (var d in Known)
            if (d.Name == name)
            {
                dtype = d;
                return true;
            }
        dtype = default;
        return false;
    }

    /// <summary>The safetensors dtype a DeepGen tensor is saved as (each DeepGen dtype has an exact match).</summary>
    public static SafetensorsDType Of(DType dtype) => dtype switch
    {
        DType.Float32 => Known[9],
        DType.Float64 => Known[10],
        DType.Int64 => Known[11],
        DType.Bool => Known[0],
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "unknown dtype"),
    };
}
