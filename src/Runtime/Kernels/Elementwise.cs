using System.Numerics;
using System.Runtime.Intrinsics;

namespace DeepGen.Kernels;

/// <summary>
/// Elementwise ops over strided, broadcast operands: the dtype dispatch for the static functors and the
/// checks of the in-place forms; the loops themselves are in <see cref="ElementKernels"/>. Outputs are new
/// contiguous tensors, except the in-place forms, which write through the target's own strides.
/// </summary>
internal static class Elementwise
{
    // ---- dtype dispatch ----

    /// <summary>a (op) b for numeric dtypes; both operands must already have the same dtype.</summary>
    public static Tensor Binary<TFn>(Tensor a, Tensor b, string op) where TFn : struct, INumericBinary => a.DType switch
    {
        DType.Float32 => ZipOp<float, float, NumericBinary<float, TFn>>(a, b, op),
        DType.Float64 => ZipOp<double, double, NumericBinary<double, TFn>>(a, b, op),
        DType.Int64 => ZipOp<long, long, NumericBinary<long, TFn>>(a, b, op),
        _ => throw Unsupported(op, a.DType),
    };

    public static Tensor Compare<TFn>(Tensor a, Tensor b, string op) where TFn : struct, INumericCompare => a.DType switch
    {
        DType.Float32 => ZipOp<float, bool, NumericCompare<float, TFn>>(a, b, op),
        DType.Float64 => ZipOp<double, bool, NumericCompare<double, TFn>>(a, b, op),
        DType.Int64 => ZipOp<long, bool, NumericCompare<long, TFn>>(a, b, op),
        _ => throw Unsupported(op, a.DType),
    };

    public static Tensor Unary<TFn>(Tensor x, string op) where TFn : struct, INumericUnary => x.DType switch
    {
        DType.Float32 => MapOp<float, NumericUnary<float, TFn>>(x),
        DType.Float64 => MapOp<double, NumericUnary<double, TFn>>(x),
        DType.Int64 => MapOp<long, NumericUnary<long, TFn>>(x),
        _ => throw Unsupported(op, x.DType),
    };

    /// <summary>f(x) for floating dtypes; callers convert integral inputs to float32 first.</summary>
    public static Tensor FloatUnary<TFn>(Tensor x, string op) where TFn : struct, IFloatUnary => x.DType switch
    {
        DType.Float32 => MapOp<float, FloatUnaryOp<float, TFn>>(x),
        DType.Float64 => MapOp<double, FloatUnaryOp<double, TFn>>(x),
        _ => throw Unsupported(op, x.DType),
    };

    public static Tensor FloatBinary<TFn>(Tensor a, Tensor b, string op) where TFn : struct, IFloatBinary => a.DType switch
    {
        DType.Float32 => ZipOp<float, float, FloatBinaryOp<float, TFn>>(a, b, op),
        DType.Float64 => ZipOp<double, double, FloatBinaryOp<double, TFn>>(a, b, op),
        _ => throw Unsupported(op, a.DType),
    };

    /// <summary>target = target (op) other, in place, with <paramref name="other"/> broadcast to target's shape.</summary>
    public static void BinaryInPlace<TFn>(Tensor target, Tensor other, string op) where TFn : struct, INumericBinary
    {
        switch (target.DType)
        {
            case DType.Float32: ZipInto<float, NumericBinary<float, TFn>>(target, other, op); break;
            case DType.Float64: ZipInto<double, NumericBinary<double, TFn>>(target, other, op); break;
            case DType.Int64: ZipInto<long, NumericBinary<long, TFn>>(target, other, op); break;
            default: throw Unsupported(op, target.DType);
        }
    }

    public static void FloatUnaryInPlace<TFn>(Tensor target, string op) where TFn : struct, IFloatUnary
    {
        switch (target.DType)
        {
            case DType.Float32: MapInto<float, FloatUnaryOp<float, TFn>>(target, op); break;
            case DType.Float64: MapInto<double, FloatUnaryOp<double, TFn>>(target, op); break;
            default: throw Unsupported(op, target.DType);
        }
    }

    public static NotSupportedException Unsupported(string op, DType dtype) =>
        new($"{op}: not implemented for dtype {dtype.Name()}");

    // ---- typed kernels ----

    /// <summary>A function of one element, as a static member: for ops without parameters.</summary>
    internal interface IMap<TIn, TOut>
    {
        static abstract TOut Apply(TIn x);
    }

    internal interface IZip<T, TOut>
    {
        static abstract TOut Apply(T a, T b);
    }

    // adapters from the static functors to the kernels' instance interfaces, carrying the vector forms across

    struct NumericBinary<T, TFn> : IZipWith<T, T> where T : unmanaged, INumber<T> where TFn : struct, INumericBinary
    {
        public T Apply(T a, T b) => TFn.Apply(a, b);
        public static bool Vectorizes => TFn.Vectorizes<T>();
        public Vector256<T> ApplyVector(Vector256<T> a, Vector256<T> b) => TFn.ApplyVector(a, b);
    }

    struct NumericCompare<T, TFn> : IZipWith<T, bool> where T : unmanaged, INumber<T> where TFn : struct, INumericCompare
    {
        public bool Apply(T a, T b) => TFn.Apply(a, b);
        public static bool Vectorizes => TFn.Vectorizes<T>();
        public Vector256<T> ApplyVector(Vector256<T> a, Vector256<T> b) => TFn.ApplyVector(a, b);
    }

    struct NumericUnary<T, TFn> : IMapWith<T, T> where T : unmanaged, INumber<T> where TFn : struct, INumericUnary
    {
        public T Apply(T x) => TFn.Apply(x);
        public static bool Vectorizes => TFn.Vectorizes<T>();
        public Vector256<T> ApplyVector(Vector256<T> x) => TFn.ApplyVector(x);
    }

    struct FloatUnaryOp<T, TFn> : IMapWith<T, T> where T : unmanaged, IFloatingPointIeee754<T> where TFn : struct, IFloatUnary
    {
        public T Apply(T x) => TFn.Apply(x);
        public static bool Vectorizes => TFn.Vectorizes<T>();
        public Vector256<T> ApplyVector(Vector256<T> x) => TFn.ApplyVector(x);
        public static bool VectorizesWide => TFn.VectorizesWide<T>();
        public Vector512<T> ApplyWide(Vector512<T> x) => TFn.ApplyWide(x);
    }

    struct FloatBinaryOp<T, TFn> : IZipWith<T, T> where T : unmanaged, IFloatingPointIeee754<T> where TFn : struct, IFloatBinary
    {
        public T Apply(T a, T b) => TFn.Apply(a, b);
        public static bool Vectorizes => TFn.Vectorizes<T>();
        public Vector256<T> ApplyVector(Vector256<T> a, Vector256<T> b) => TFn.ApplyVector(a, b);
        public static bool VectorizesWide => TFn.VectorizesWide<T>();
        public Vector512<T> ApplyWide(Vector512<T> a, Vector512<T> b) => TFn.ApplyWide(a, b);
    }

    struct StaticMap<TIn, TOut, TOp> : IMapWith<TIn, TOut> where TOp : struct, IMap<TIn, TOut>
    {
        public TOut Apply(TIn x) => TOp.Apply(x);
    }

    struct StaticZip<T, TOut, TOp> : IZipWith<T, TOut> where TOp : struct, IZip<T, TOut>
    {
        public TOut Apply(T a, T b) => TOp.Apply(a, b);
    }

    /// <summary>Applies <typeparamref name="TOp"/> to each element of x into a new contiguous tensor.</summary>
    public static Tensor Map<TIn, TOut, TOp>(Tensor x) where TIn : unmanaged where TOut : unmanaged where TOp : struct, IMap<TIn, TOut> =>
        ElementKernels.Map<TIn, TOut, StaticMap<TIn, TOut, TOp>>(x, default);

    /// <summary>Applies <typeparamref name="TOp"/> pairwise over the broadcast of a and b.</summary>
    public static Tensor Zip<T, TOut, TOp>(Tensor a, Tensor b, string op) where T : unmanaged where TOut : unmanaged where TOp : struct, IZip<T, TOut> =>
        ElementKernels.Zip<T, TOut, StaticZip<T, TOut, TOp>>(a, b, default, op);

    static Tensor MapOp<T, TOp>(Tensor x) where T : unmanaged where TOp : struct, IMapWith<T, T> => ElementKernels.Map<T, T, TOp>(x, default);

    static Tensor ZipOp<T, TOut, TOp>(Tensor a, Tensor b, string op) where T : unmanaged where TOut : unmanaged where TOp : struct, IZipWith<T, TOut> =>
        ElementKernels.Zip<T, TOut, TOp>(a, b, default, op);

    /// <summary>target[i] = op(target[i], other[i]) through target's strides.</summary>
    static void ZipInto<T, TOp>(Tensor target, Tensor other, string op) where T : unmanaged where TOp : struct, IZipWith<T, T>
    {
        CheckWritable(target, op);
        CheckBroadcastsTo(other, target, op);
        ElementKernels.ZipInPlace<T, TOp>(target, other, default);
    }

    static void MapInto<T, TOp>(Tensor target, string op) where T : unmanaged where TOp : struct, IMapWith<T, T>
    {
        CheckWritable(target, op);
        ElementKernels.MapInPlace<T, TOp>(target, default);
    }

    /// <summary>Copies (and converts) source, broadcast to target's shape, into target through its strides.</summary>
    public static void CopyInto(Tensor target, Tensor source, string op)
    {
        CheckWritable(target, op);
        CheckBroadcastsTo(source, target, op);
        switch (source.DType)
        {
            case DType.Float32: CopyFrom<float>(target, source); break;
            case DType.Float64: CopyFrom<double>(target, source); break;
            case DType.Int64: CopyFrom<long>(target, source); break;
            case DType.Bool: CopyFrom<bool>(target, source); break;
        }
    }

    static void CopyFrom<TIn>(Tensor target, Tensor source) where TIn : unmanaged
    {
        switch (target.DType)
        {
            case DType.Float32: ElementKernels.Copy<TIn, float>(target, source); break;
            case DType.Float64: ElementKernels.Copy<TIn, double>(target, source); break;
            case DType.Int64: ElementKernels.Copy<TIn, long>(target, source); break;
            case DType.Bool: ElementKernels.Copy<TIn, bool>(target, source); break;
        }
    }

    /// <summary>Strides of <paramref name="t"/> seen at the broadcast shape: 0 where a dim is stretched or new.</summary>
    public static int[] BroadcastStrides(Tensor t, int[] shape)
    {
        // callers only read the result, so a tensor already of that shape can lend its own strides
        if (Shapes.Equal(t.shape, shape)) return t.strides;
        var result = new int[shape.Length];
        int lead = shape.Length - t.Rank;
        for (int i = 0; i < t.Rank; i++)
            result[lead + i] = t.shape[i] == 1 && shape[lead + i] != 1 ? 0 : t.strides[i];
        return result;
    }

    static void CheckBroadcastsTo(Tensor source, Tensor target, string op)
    {
        var shape = Shapes.Broadcast(target.shape, source.shape, op);
        if (!Shapes.Equal(shape, target.shape))
            throw new ArgumentException($"{op}: a tensor of shape {Shapes.Format(source.shape)} cannot be written into one of shape {Shapes.Format(target.shape)} in place: the result would have shape {Shapes.Format(shape)}");
    }

    /// <summary>In-place writes into an expanded view would write one element several times: refuse, as PyTorch does.</summary>
    public static void CheckWritable(Tensor target, string op)
    {
        for (int i = 0; i < target.Rank; i++)
            if (target.strides[i] == 0 && target.shape[i] > 1)
                throw new InvalidOperationException($"{op}: unsupported in-place operation on an expanded tensor (shape {Shapes.Format(target.shape)}, strides {Shapes.Format(target.strides)}): more than one element refers to the same memory location; Clone() it first");
    }
}
