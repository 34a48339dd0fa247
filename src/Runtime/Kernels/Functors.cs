using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace DeepGen.Kernels;

// Each functor has a scalar Apply and, optionally, a vector form: Vectorizes<T>() says whether ApplyVector
// exists for T, and it then gives lane by lane the bits Apply gives (transcendental functions: within the
// ulps their comments state). Kernels check Vectorizes<T>() once per row; for a struct functor it is a JIT
// constant, so the unused path compiles away.

/// <summary>A binary function on any numeric element type (float, double, long): one struct per op.</summary>
internal interface INumericBinary
{
    static abstract T Apply<T>(T a, T b) where T : unmanaged, INumber<T>;

    static virtual bool Vectorizes<T>() where T : unmanaged, INumber<T> => false;

    static virtual Vector256<T> ApplyVector<T>(Vector256<T> a, Vector256<T> b) where T : unmanaged, INumber<T> =>
        throw new NotSupportedException();
}

/// <summary>A comparison producing a bool, on any numeric element type; its vector form gives a lane mask.</summary>
internal interface INumericCompare
{
    static abstract bool Apply<T>(T a, T b) where T : unmanaged, INumber<T>;

    static virtual bool Vectorizes<T>() where T : unmanaged, INumber<T> => false;

    /// <summary>All bits set in the lanes where the comparison holds.</summary>
    static virtual Vector256<T> ApplyVector<T>(Vector256<T> a, Vector256<T> b) where T : unmanaged, INumber<T> =>
        throw new NotSupportedException();
}

/// <summary>A unary function on any numeric element type.</summary>
internal interface INumericUnary
{
    static abstract T Apply<T>(T x) where T : unmanaged, INumber<T>;

    static virtual bool Vectorizes<T>() where T : unmanaged, INumber<T> => false;

    static virtual Vector256<T> ApplyVector<T>(Vector256<T> x) where T : unmanaged, INumber<T> =>
        throw new NotSupportedException();
}

/// <summary>
/// A unary function on floating-point elements (float, double). A function may also have a 16-lane form
/// (<see cref="ApplyWide"/>, where <see cref="VectorizesWide"/>), which must give the 8-lane form's bits.
/// </summary>
internal interface IFloatUnary
{
    static abstract T Apply<T>(T x) where T : unmanaged, IFloatingPointIeee754<T>;

    static virtual bool Vectorizes<T>() where T : unmanaged, IFloatingPointIeee754<T> => false;

    static virtual Vector256<T> ApplyVector<T>(Vector256<T> x) where T : unmanaged, IFloatingPointIeee754<T> =>
        throw new NotSupportedException();

    static virtual bool VectorizesWide<T>() where T : unmanaged, IFloatingPointIeee754<T> => false;

    static virtual Vector512<T> ApplyWide<T>(Vector512<T> x) where T : unmanaged, IFloatingPointIeee754<T> =>
        throw new NotSupportedException();
}

/// <summary>A binary function on floating-point elements (float, double), optionally with a 16-lane form as <see cref="IFloatUnary"/>.</summary>
internal interface IFloatBinary
{
    static abstract T Apply<T>(T a, T b) where T : unmanaged, IFloatingPointIeee754<T>;

    static virtual bool Vectorizes<T>() where T : unmanaged, IFloatingPointIeee754<T> => false;

    static virtual Vector256<T> ApplyVector<T>(Vector256<T> a, Vector256<T> b) where T : unmanaged, IFloatingPointIeee754<T> =>
        throw new NotSupportedException();

    static virtual bool VectorizesWide<T>() where T : unmanaged, IFloatingPointIeee754<T> => false;

    static virtual Vector512<T> ApplyWide<T>(Vector512<T> a, Vector512<T> b) where T : unmanaged, IFloatingPointIeee754<T> =>
        throw new NotSupportedException();
}

/// <summary>Which element types the vector forms cover.</summary>
internal static class VectorTypes
{
    // inlined even into the fully optimised row loops, where they become constants
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsFloat<T>() => typeof(T) == typeof(float) || typeof(T) == typeof(double);

    /// <summary>float, double and long: the types whose add, compare and select AVX2 does natively.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsNumeric<T>() => IsFloat<T>() || typeof(T) == typeof(long);
}

internal struct AddFn : INumericBinary
{
    public static T Apply<T>(T a, T b) where T : unmanaged, INumber<T> => a + b;
    public static bool Vectorizes<T>() where T : unmanaged, INumber<T> => VectorTypes.IsNumeric<T>();
    public static Vector256<T> ApplyVector<T>(Vector256<T> a, Vector256<T> b) where T : unmanaged, INumber<T> => a + b;
}

internal struct SubFn : INumericBinary
{
    public static T Apply<T>(T a, T b) where T : unmanaged, INumber<T> => a - b;
    public static bool Vectorizes<T>() where T : unmanaged, INumber<T> => VectorTypes.IsNumeric<T>();
    public static Vector256<T> ApplyVector<T>(Vector256<T> a, Vector256<T> b) where T : unmanaged, INumber<T> => a - b;
}

/// <summary>Vectorised for floats only: AVX2 has no 64-bit integer multiply.</summary>
internal struct MulFn : INumericBinary
{
    public static T Apply<T>(T a, T b) where T : unmanaged, INumber<T> => a * b;
    public static bool Vectorizes<T>() where T : unmanaged, INumber<T> => VectorTypes.IsFloat<T>();
    public static Vector256<T> ApplyVector<T>(Vector256<T> a, Vector256<T> b) where T : unmanaged, INumber<T> => a * b;
}

internal struct DivFn : INumericBinary
{
    public static T Apply<T>(T a, T b) where T : unmanaged, INumber<T> => a / b;
    public static bool Vectorizes<T>() where T : unmanaged, INumber<T> => VectorTypes.IsFloat<T>();
    public static Vector256<T> ApplyVector<T>(Vector256<T> a, Vector256<T> b) where T : unmanaged, INumber<T> => a / b;
}

/// <summary>Negation; on floats it flips the sign bit, in the vector form as in the scalar one (-0.0 for 0.0).</summary>
internal struct NegFn : INumericUnary
{
    public static T Apply<T>(T x) where T : unmanaged, INumber<T> => -x;
    public static bool Vectorizes<T>() where T : unmanaged, INumber<T> => VectorTypes.IsNumeric<T>();
    public static Vector256<T> ApplyVector<T>(Vector256<T> x) where T : unmanaged, INumber<T> => -x;
}
