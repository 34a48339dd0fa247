using System.Numerics;
using System.Runtime.Intrinsics;

namespace DeepGen.Kernels;

/// <summary>exp; the vector form is within 1 ulp (float results are computed in double and rounded once).</summary>
internal struct ExpFn : IFloatUnary
{
    public static T Apply<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => T.Exp(x);
    public static bool Vectorizes<T>() where T : unmanaged, IFloatingPointIeee754<T> => true;
    public static Vector256<T> ApplyVector<T>(Vector256<T> x) where T : unmanaged, IFloatingPointIeee754<T> => VectorMath.Exp(x);
}

internal struct LogFn : IFloatUnary
{
    public static T Apply<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => T.Log(x);
}
