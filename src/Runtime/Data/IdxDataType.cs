namespace DeepGen.Data;

/// <summary>The element type of an IDX file, as coded in the third byte of its magic number.</summary>
public enum IdxDataType : byte
{
    UnsignedByte = 0x08,
    SignedByte = 0x09,
    Short = 0x0B,
    Int = 0x0C,
    Float = 0x0D,
    Double = 0x0E,
}

/// <summary>Facts about each <see cref="IdxDataType"/>.</summary>
public static class IdxDataTypes
{
    /// <summary>Whether <paramref name="code"/> is one of the six type bytes the IDX format defines.</summary>
    public static bool IsDefined(byte code) => code is 0x08 or 0x09 or 0x0B or 0x0C or 0x0D or 0x0E;

    /// <summary>Size of one element in bytes.</summary>
    public static int ElementSize(this IdxDataType type) => type switch
    {
        IdxDataType.UnsignedByte or IdxDataType.SignedByte => 1,
        IdxDataType.Short => 2,
        IdxDataType.Int or IdxDataType.Float => 4,
        IdxDataType.Double => 8,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "unknown IDX data type"),
    };

    /// <summary>The name the IDX format description uses: <c>unsigned byte</c>, <c>short</c>...</summary>
    public static string Name(this IdxDataType type) => type switch
    {
        IdxDataType.UnsignedByte => "unsigned byte",
        IdxDataType.SignedByte => "signed byte",
        IdxDataType.Short => "short",
        IdxDataType.Int => "int",
        IdxDataType.Float => "float",
        IdxDataType.Double => "double",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "unknown IDX data type"),
    };

    public static bool IsIntegral(this IdxDataType type) => type is not (IdxDataType.Float or IdxDataType.Double);
}
