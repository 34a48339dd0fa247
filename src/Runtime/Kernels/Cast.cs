using System.Runtime.CompilerServices;

namespace DeepGen.Kernels;

/// <summary>Element conversions between DeepGen's dtypes, with PyTorch's rules (float to int truncates, nonzero is true).</summary>
internal static class Cast
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TOut Convert<TIn, TOut>(TIn x) where TIn : unmanaged where TOut : unmanaged
    {
        if (typeof(TIn) == typeof(TOut)) return Unsafe.As<TIn, TOut>(ref x);
        if (typeof(TOut) == typeof(bool))
        {
            bool b = ToDouble(x) != 0;
            return Unsafe.As<bool, TOut>(ref b);
        }
        if (typeof(TIn) == typeof(long))
        {
            long l = Unsafe.As<TIn, long>(ref x);
            if (typeof(TOut) == typeof(float)) { float f = l; return Unsafe.As<float, TOut>(ref f); }
            double dd = l;
            return FromDouble<TOut>(dd);
        }
        return FromDouble<TOut>(ToDouble(x));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double ToDouble<T>(T x) where T : unmanaged
    {
        if (typeof(T) == typeof(float)) return Unsafe.As<T, float>(ref x);
        if (typeof(T) == typeof(double)) return Unsafe.As<T, double>(ref x);
        if (typeof(T) == typeof(long)) return Unsafe.As<T, long>(ref x);
        if (typeof(T) == typeof(bool)) return Unsafe.As<T, bool>(ref x) ? 1 : 0;
        throw new NotSupportedException(typeof(T).Name);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T FromDouble<T>(double d) where T : unmanaged
    {
        if (typeof(T) == typeof(float)) { float f = (float)d; return Unsafe.As<float, T>(ref f); }
        if (typeof(T) == typeof(double)) return Unsafe.As<double, T>(ref d);
        if (typeof(T) == typeof(long)) { long l = (long)d; return Unsafe.As<long, T>(ref l); }
        if (typeof(T) == typeof(bool)) { bool b = d != 0; return Unsafe.As<bool, T>(ref b); }
        throw new NotSupportedException(typeof(T).Name);
    }
}
