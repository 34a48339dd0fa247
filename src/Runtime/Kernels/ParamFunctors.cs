using System.Numerics;
using System.Runtime.Intrinsics;

namespace DeepGen.Kernels;

// Elementwise functions with parameters, for the kernels in Pointwise. Backward functions take
// (g, x): the output gradient and the op's input.

/// <summary>PyTorch's softplus: log(1 + exp(beta x)) / beta, and x itself where beta x > threshold.</summary>
internal struct SoftplusFn(double beta, double threshold) : IFloatUnaryWith
{
    public readonly T Apply<T>(T x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        double v = Cast.ToDouble(x);
        return v * beta > threshold ? x : Cast.FromDouble<T>(MathOps.Log1p(Math.Exp(v * beta)) / beta);
    }
}

internal struct SoftplusBackwardFn(double beta, double threshold) : IFloatBinaryWith
{
    public readonly T Apply<T>(T g, T x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        double v = Cast.ToDouble(x);
        if (v * beta > threshold) return g;
        double z = Math.Exp(v * beta);
        return g * Cast.FromDouble<T>(z / (z + 1));
    }
}

internal struct LeakyReluFn(double slope) : IFloatUnaryWith
{
    public readonly T Apply<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => x > T.Zero ? x : x * T.CreateTruncating(slope);
    public static bool Vectorizes<T>() where T : unmanaged, IFloatingPointIeee754<T> => true;

    public readonly Vector256<T> ApplyVector<T>(Vector256<T> x) where T : unmanaged, IFloatingPointIeee754<T> =>
        Vector256.ConditionalSelect(Vector256.GreaterThan(x, Vector256<T>.Zero), x, x * Vector256.Create(T.CreateTruncating(slope)));
}

internal struct LeakyReluBackwardFn(double slope) : IFloatBinaryWith
{
    public readonly T Apply<T>(T g, T x) where T : unmanaged, IFloatingPointIeee754<T> => x > T.Zero ? g : g * T.CreateTruncating(slope);
    public static bool Vectorizes<T>() where T : unmanaged, IFloatingPointIeee754<T> => true;

    public readonly Vector256<T> ApplyVector<T>(Vector256<T> g, Vector256<T> x) where T : unmanaged, IFloatingPointIeee754<T> =>
        Vector256.ConditionalSelect(Vector256.GreaterThan(x, Vector256<T>.Zero), g, g * Vector256.Create(T.CreateTruncating(slope)));
}

internal struct PowScalarFn(double exponent) : IFloatUnaryWith
{
    public readonly T Apply<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => T.Pow(x, T.CreateTruncating(exponent));
}

/// <summary>exponent * x^(exponent - 1); the caller handles exponent 0 (gradient 0 everywhere).</summary>
internal struct PowScalarBackwardFn(double exponent) : IFloatBinaryWith
{
    public readonly T Apply<T>(T g, T x) where T : unmanaged, IFloatingPointIeee754<T> =>
        g * T.CreateTruncating(exponent) * T.Pow(x, T.CreateTruncating(exponent - 1));
}

/// <summary>Integer power by squaring; negative exponents follow PyTorch's integer pow (1, -1 or 0).</summary>
internal struct IntPowFn : Elementwise.IZip<long, long>
{
    public static long Apply(long b, long e)
    {
        if (e < 0) return b == 1 ? 1 : b == -1 ? ((e & 1) == 0 ? 1 : -1) : 0;
        long result = 1;
        while (e > 0)
        {
            if ((e & 1) != 0) result *= b;
            e >>= 1;
            b *= b;
        }
        return result;
    }
}

internal struct IntPowScalarOp(long exponent) : IMapWith<long, long>
{
    public readonly long Apply(long x) => IntPowFn.Apply(x, exponent);
}

/// <summary>min(max(x, min), max) with either bound optional; NaN passes through.</summary>
internal struct ClampOp<T>(T? min, T? max) : IMapWith<T, T> where T : unmanaged, INumber<T>
{
    readonly bool hasMin = min.HasValue, hasMax = max.HasValue;
    readonly T lo = min.GetValueOrDefault(), hi = max.GetValueOrDefault();

    public readonly T Apply(T x)
    {
        if (hasMin && x < lo) x = lo;
        if (hasMax && x > hi) x = hi;
        return x;
    }

    public static bool Vectorizes => VectorTypes.IsNumeric<T>();

    public readonly Vector256<T> ApplyVector(Vector256<T> x)
    {
        if (hasMin) x = Vector256.ConditionalSelect(Vector256.LessThan(x, Vector256.Create(lo)), Vector256.Create(lo), x);
        if (hasMax) x = Vector256.ConditionalSelect(Vector256.GreaterThan(x, Vector256.Create(hi)), Vector256.Create(hi), x);
        return x;
    }
}

/// <summary>g where min &lt;= x &lt;= max (bounds included, as PyTorch's clamp_backward), else 0.</summary>
internal struct ClampBackwardFn(double? min, double? max) : IFloatBinaryWith
{
    public readonly T Apply<T>(T g, T x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        double v = Cast.ToDouble(x);
        bool inside = (min is not { } lo || v >= lo) && (max is not { } hi || v <= hi);
        return inside ? g : T.Zero;
    }
}
