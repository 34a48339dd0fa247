using System.Numerics;
using System.Runtime.Intrinsics;

namespace DeepGen.Kernels;

// Comparisons (numeric, giving bool) and logical/bitwise ops on bool and int64 elements.

internal struct LtFn : INumericCompare
{
    public static bool Apply<T>(T a, T b) where T : unmanaged, INumber<T> => a < b;
    public static bool Vectorizes<T>() where T : unmanaged, INumber<T> => VectorTypes.IsNumeric<T>();
    public static Vector256<T> ApplyVector<T>(Vector256<T> a, Vector256<T> b) where T : unmanaged, INumber<T> => Vector256.LessThan(a, b);
}

internal struct LeFn : INumericCompare
{
    public static bool Apply<T>(T a, T b) where T : unmanaged, INumber<T> => a <= b;
    public static bool Vectorizes<T>() where T : unmanaged, INumber<T> => VectorTypes.IsNumeric<T>();
    public static Vector256<T> ApplyVector<T>(Vector256<T> a, Vector256<T> b) where T : unmanaged, INumber<T> => Vector256.LessThanOrEqual(a, b);
}

internal struct GtFn : INumericCompare
{
    public static bool Apply<T>(T a, T b) where T : unmanaged, INumber<T> => a > b;
    public static bool Vectorizes<T>() where T : unmanaged, INumber<T> => VectorTypes.IsNumeric<T>();
    public static Vector256<T> ApplyVector<T>(Vector256<T> a, Vector256<T> b) where T : unmanaged, INumber<T> => Vector256.GreaterThan(a, b);
}

internal struct GeFn : INumericCompare
{
    public static bool Apply<T>(T a, T b) where T : unmanaged, INumber<T> => a >= b;
    public static bool Vectorizes<T>() where T : unmanaged, INumber<T> => VectorTypes.IsNumeric<T>();
    public static Vector256<T> ApplyVector<T>(Vector256<T> a, Vector256<T> b) where T : unmanaged, INumber<T> => Vector256.GreaterThanOrEqual(a, b);
}

internal struct EqFn : INumericCompare
{
    public static bool Apply<T>(T a, T b) where T : unmanaged, INumber<T> => a == b;
    public static bool Vectorizes<T>() where T : unmanaged, INumber<T> => VectorTypes.IsNumeric<T>();
    public static Vector256<T> ApplyVector<T>(Vector256<T> a, Vector256<T> b) where T : unmanaged, INumber<T> => Vector256.Equals(a, b);
}

/// <summary>True for NaN against anything, as IEEE and PyTorch say.</summary>
internal struct NeFn : INumericCompare
{
    public static bool Apply<T>(T a, T b) where T : unmanaged, INumber<T> => a != b;
    public static bool Vectorizes<T>() where T : unmanaged, INumber<T> => VectorTypes.IsNumeric<T>();
    public static Vector256<T> ApplyVector<T>(Vector256<T> a, Vector256<T> b) where T : unmanaged, INumber<T> => ~Vector256.Equals(a, b);
}

internal struct LogicalNotOp : Elementwise.IMap<bool, bool>
{
    public static bool Apply(bool x) => !x;
}

internal struct LogicalAndOp : Elementwise.IZip<bool, bool>
{
    public static bool Apply(bool a, bool b) => a & b;
}

internal struct LogicalOrOp : Elementwise.IZip<bool, bool>
{
    public static bool Apply(bool a, bool b) => a | b;
}

internal struct LogicalXorOp : Elementwise.IZip<bool, bool>
{
    public static bool Apply(bool a, bool b) => a ^ b;
}

internal struct BitwiseNotOp : Elementwise.IMap<long, long>
{
    public static long Apply(long x) => ~x;
}

internal struct BitwiseAndOp : Elementwise.IZip<long, long>
{
    public static long Apply(long a, long b) => a & b;
}

internal struct BitwiseOrOp : Elementwise.IZip<long, long>
{
    public static long Apply(long a, long b) => a | b;
}

internal struct BitwiseXorOp : Elementwise.IZip<long, long>
{
    public static long Apply(long a, long b) => a ^ b;
}

/// <summary>PyTorch's isclose: equal, or both finite with |a - b| &lt;= atol + rtol |b|; NaNs equal only when asked.</summary>
internal struct IsCloseOp<T>(double rtol, double atol, bool equalNan) : IZipWith<T, bool> where T : unmanaged, IFloatingPointIeee754<T>
{
    readonly T relative = T.CreateTruncating(rtol), absolute = T.CreateTruncating(atol);

    public readonly bool Apply(T a, T b)
    {
        if (a == b) return true;
        if (T.IsNaN(a) || T.IsNaN(b)) return equalNan && T.IsNaN(a) && T.IsNaN(b);
        if (!T.IsFinite(a) || !T.IsFinite(b)) return false;
        return T.Abs(a - b) <= absolute + relative * T.Abs(b);
    }
}
