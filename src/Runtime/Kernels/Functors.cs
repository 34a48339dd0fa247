using System.Numerics;

namespace DeepGen.Kernels;

/// <summary>A binary function on any numeric element type (float, double, long): one struct per op.</summary>
internal interface INumericBinary
{
    static abstract T Apply<T>(T a, T b) where T : unmanaged, INumber<T>;
}

/// <summary>A comparison producing a bool, on any numeric element type.</summary>
internal interface INumericCompare
{
    static abstract bool Apply<T>(T a, T b) where T : unmanaged, INumber<T>;
}

/// <summary>A unary function on any numeric element type.</summary>
internal interface INumericUnary
{
    static abstract T Apply<T>(T x) where T : unmanaged, INumber<T>;
}

/// <summary>A unary function on floating-point elements (float, double).</summary>
internal interface IFloatUnary
{
    static abstract T Apply<T>(T x) where T : unmanaged, IFloatingPointIeee754<T>;
}

/// <summary>A binary function on floating-point elements (float, double).</summary>
internal interface IFloatBinary
{
    static abstract T Apply<T>(T a, T b) where T : unmanaged, IFloatingPointIeee754<T>;
}

internal struct AddFn : INumericBinary
{
    public static T Apply<T>(T a, T b) where T : unmanaged, INumber<T> => a + b;
}

internal struct SubFn : INumericBinary
{
    public static T Apply<T>(T a, T b) where T : unmanaged, INumber<T> => a - b;
}

internal struct MulFn : INumericBinary
{
    public static T Apply<T>(T a, T b) where T : unmanaged, INumber<T> => a * b;
}

internal struct DivFn : INumericBinary
{
    public static T Apply<T>(T a, T b) where T : unmanaged, INumber<T> => a / b;
}

internal struct NegFn : INumericUnary
{
    public static T Apply<T>(T x) where T : unmanaged, INumber<T> => -x;
}
