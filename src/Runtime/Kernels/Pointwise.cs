using System.Numerics;
using System.Runtime.Intrinsics;

namespace DeepGen.Kernels;

/// <summary>
/// An elementwise function whose parameters (a slope, bounds, an exponent) live in its fields. Optionally
/// vectorised: where <see cref="Vectorizes"/> is true (only for TOut == TIn), <see cref="ApplyVector"/> gives
/// lane by lane what Apply gives, and where <see cref="VectorizesWide"/> is too, <see cref="ApplyWide"/> gives
/// on 16 lanes the bits of <see cref="ApplyVector"/>.
/// </summary>
internal interface IMapWith<TIn, TOut>
{
    TOut Apply(TIn x);

    static virtual bool Vectorizes => false;

    Vector256<TIn> ApplyVector(Vector256<TIn> x) => throw new NotSupportedException();

    static virtual bool VectorizesWide => false;

    Vector512<TIn> ApplyWide(Vector512<TIn> x) => throw new NotSupportedException();
}

/// <summary>A binary elementwise function; for bool results the vector form gives a lane mask (all bits set for true).</summary>
internal interface IZipWith<T, TOut>
{
    TOut Apply(T a, T b);

    static virtual bool Vectorizes => false;

    Vector256<T> ApplyVector(Vector256<T> a, Vector256<T> b) => throw new NotSupportedException();

    static virtual bool VectorizesWide => false;

    Vector512<T> ApplyWide(Vector512<T> a, Vector512<T> b) => throw new NotSupportedException();
}

/// <summary>A float function with parameters, generic over float and double.</summary>
internal interface IFloatUnaryWith
{
    T Apply<T>(T x) where T : unmanaged, IFloatingPointIeee754<T>;

    static virtual bool Vectorizes<T>() where T : unmanaged, IFloatingPointIeee754<T> => false;

    Vector256<T> ApplyVector<T>(Vector256<T> x) where T : unmanaged, IFloatingPointIeee754<T> => throw new NotSupportedException();
}

internal interface IFloatBinaryWith
{
    T Apply<T>(T a, T b) where T : unmanaged, IFloatingPointIeee754<T>;

    static virtual bool Vectorizes<T>() where T : unmanaged, IFloatingPointIeee754<T> => false;

    Vector256<T> ApplyVector<T>(Vector256<T> a, Vector256<T> b) where T : unmanaged, IFloatingPointIeee754<T> => throw new NotSupportedException();
}

/// <summary>
/// Elementwise kernels for functions with parameters, and the three-operand select behind where and
/// masked_fill. Like <see cref="Elementwise"/>, outputs are new contiguous tensors and the in-place forms
/// write through the target's strides.
/// </summary>
internal static class Pointwise
{
    // ---- float dispatch ----

    public static Tensor FloatUnary<TFn>(Tensor x, TFn fn, string op) where TFn : struct, IFloatUnaryWith => x.DType switch
    {
        DType.Float32 => Map<float, float, FloatUnaryOp<float, TFn>>(x, new() { Fn = fn }),
        DType.Float64 => Map<double, double, FloatUnaryOp<double, TFn>>(x, new() { Fn = fn }),
        _ => throw Elementwise.Unsupported(op, x.DType),
    };

    /// <summary>fn(a, b) over the broadcast of a and b, which must have the same floating dtype.</summary>
    public static Tensor FloatBinary<TFn>(Tensor a, Tensor b, TFn fn, string op) where TFn : struct, IFloatBinaryWith => a.DType switch
    {
        DType.Float32 => Zip<float, float, FloatBinaryOp<float, TFn>>(a, b, new() { Fn = fn }, op),
        DType.Float64 => Zip<double, double, FloatBinaryOp<double, TFn>>(a, b, new() { Fn = fn }, op),
        _ => throw Elementwise.Unsupported(op, a.DType),
    };

    struct FloatUnaryOp<T, TFn> : IMapWith<T, T> where T : unmanaged, IFloatingPointIeee754<T> where TFn : struct, IFloatUnaryWith
    {
        public TFn Fn;
        public T Apply(T x) => Fn.Apply(x);
        public static bool Vectorizes => TFn.Vectorizes<T>();
        public Vector256<T> ApplyVector(Vector256<T> x) => Fn.ApplyVector(x);
    }

    struct FloatBinaryOp<T, TFn> : IZipWith<T, T> where T : unmanaged, IFloatingPointIeee754<T> where TFn : struct, IFloatBinaryWith
    {
        public TFn Fn;
        public T Apply(T a, T b) => Fn.Apply(a, b);
        public static bool Vectorizes => TFn.Vectorizes<T>();
        public Vector256<T> ApplyVector(Vector256<T> a, Vector256<T> b) => Fn.ApplyVector(a, b);
    }

    // ---- typed kernels ----

    public static Tensor Map<TIn, TOut, TOp>(Tensor x, TOp op) where TIn : unmanaged where TOut : unmanaged where TOp : struct, IMapWith<TIn, TOut> =>
        ElementKernels.Map<TIn, TOut, TOp>(x, op);

    /// <summary>target[i] = op(target[i]) through target's strides.</summary>
    public static void MapInPlace<T, TOp>(Tensor target, TOp op, string opName) where T : unmanaged where TOp : struct, IMapWith<T, T>
    {
        Elementwise.CheckWritable(target, opName);
        ElementKernels.MapInPlace<T, TOp>(target, op);
    }

    public static Tensor Zip<T, TOut, TOp>(Tensor a, Tensor b, TOp op, string opName) where T : unmanaged where TOut : unmanaged where TOp : struct, IZipWith<T, TOut> =>
        ElementKernels.Zip<T, TOut, TOp>(a, b, op, opName);

    // ---- select ----

    /// <summary>condition ? x : y over <paramref name="shape"/>, the broadcast of all three; x and y share a dtype.</summary>
    public static Tensor Where(Tensor condition, Tensor x, Tensor y, int[] shape) => x.DType switch
    {
        DType.Float32 => ElementKernels.Where<float>(condition, x, y, shape),
        DType.Float64 => ElementKernels.Where<double>(condition, x, y, shape),
        DType.Int64 => ElementKernels.Where<long>(condition, x, y, shape),
        DType.Bool => ElementKernels.Where<bool>(condition, x, y, shape),
        _ => throw Elementwise.Unsupported("where", x.DType),
    };

    /// <summary>target[i] = value where mask[i], through target's strides; mask is broadcast to target's shape.</summary>
    public static void MaskedFillInPlace(Tensor target, Tensor mask, double value, string op)
    {
        Elementwise.CheckWritable(target, op);
        switch (target.DType)
        {
            case DType.Float32: ElementKernels.MaskedFill(target, mask, (float)value); break;
            case DType.Float64: ElementKernels.MaskedFill(target, mask, value); break;
            case DType.Int64: ElementKernels.MaskedFill(target, mask, (long)value); break;
            case DType.Bool: ElementKernels.MaskedFill(target, mask, value != 0); break;
            default: throw Elementwise.Unsupported(op, target.DType);
        }
    }
}
