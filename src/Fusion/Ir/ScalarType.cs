namespace DeepGen.Fusion.Ir;

/// <summary>The element types the compiler knows, in PyTorch's promotion order (Bool lowest).</summary>
public enum ScalarType
{
    /// <summary>bool.</summary>
    Bool,

    /// <summary>int64 (torch.long).</summary>
    Int64,

    /// <summary>float32 (torch.float).</summary>
    Float32,

    /// <summary>float64 (torch.double).</summary>
    Float64,
}

/// <summary>Names and properties of <see cref="ScalarType"/>.</summary>
public static class ScalarTypes
{
    /// <summary>True for Float32 and Float64.</summary>
    public static bool IsFloating(this ScalarType type) => type is ScalarType.Float32 or ScalarType.Float64;

    /// <summary>The short name used in graph text: <c>f32</c>, <c>f64</c>, <c>i64</c>, <c>bool</c>.</summary>
    public static string ShortName(this ScalarType type) => type switch
    {
        ScalarType.Float32 => "f32",
        ScalarType.Float64 => "f64",
        ScalarType.Int64 => "i64",
        _ => "bool",
    };

    /// <summary>The C# element type: <c>float</c>, <c>double</c>, <c>long</c>, <c>bool</c>.</summary>
    public static string CSharpName(this ScalarType type) => type switch
    {
        ScalarType.Float32 => "float",
        ScalarType.Float64 => "double",
        ScalarType.Int64 => "long",
        _ => "bool",
    };

    /// <summary>The CUDA C element type: <c>float</c>, <c>double</c>, <c>long long</c>, <c>bool</c>.</summary>
    public static string CudaName(this ScalarType type) => type switch
    {
        ScalarType.Float32 => "float",
        ScalarType.Float64 => "double",
        ScalarType.Int64 => "long long",
        _ => "bool",
    };

    /// <summary>PyTorch's promotion of two tensor dtypes: the higher of the two.</summary>
    public static ScalarType Promote(ScalarType a, ScalarType b) => a >= b ? a : b;
}
