namespace DeepGen;

/// <summary>Element type of a tensor. Names follow PyTorch (<c>torch.float32</c> is <see cref="Float32"/>).</summary>
public enum DType
{
    Float32,
    Float64,
    Int64,
    Bool,
}

/// <summary>Facts about each <see cref="DType"/> and PyTorch's type-promotion rules.</summary>
public static class DTypes
{
    /// <summary>The name PyTorch prints: <c>float32</c>, <c>float64</c>, <c>int64</c>, <c>bool</c>.</summary>
    public static string Name(this DType dtype) => dtype switch
    {
        DType.Float32 => "float32",
        DType.Float64 => "float64",
        DType.Int64 => "int64",
        DType.Bool => "bool",
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "unknown dtype"),
    };

    /// <summary>Size of one element in bytes.</summary>
    public static int ElementSize(this DType dtype) => dtype switch
    {
        DType.Float32 => 4,
        DType.Float64 => 8,
        DType.Int64 => 8,
        DType.Bool => 1,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "unknown dtype"),
    };

    public static bool IsFloatingPoint(this DType dtype) => dtype is DType.Float32 or DType.Float64;

    /// <summary>The result type of a binary op on two tensors (bool &lt; int64 &lt; float32 &lt; float64).</summary>
    public static DType Promote(DType a, DType b) => Rank(a) >= Rank(b) ? a : b;

    /// <summary>
    /// The result type of a tensor-scalar op: a scalar does not widen a tensor of its own category
    /// (float32 * 2.5 stays float32), but a floating scalar makes an integral tensor float32, as in PyTorch.
    /// </summary>
    public static DType PromoteWithScalar(DType tensor, bool scalarIsFloating) =>
        scalarIsFloating && !tensor.IsFloatingPoint() ? DType.Float32
        : tensor == DType.Bool && !scalarIsFloating ? DType.Int64
        : tensor;

    static int Rank(DType d) => d switch
    {
        DType.Bool => 0,
        DType.Int64 => 1,
        DType.Float32 => 2,
        DType.Float64 => 3,
        _ => throw new ArgumentOutOfRangeException(nameof(d), d, "unknown dtype"),
    };
}
