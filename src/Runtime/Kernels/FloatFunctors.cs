using System.Numerics;

namespace DeepGen.Kernels;

internal struct ExpFn : IFloatUnary
{
    public static T Apply<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => T.Exp(x);
}

internal struct LogFn : IFloatUnary
{
    public static T Apply<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => T.Log(x);
}
