using System.Numerics;

namespace DeepGen.Kernels;

/// <summary>
/// Elementwise kernels over strided, broadcast operands. Outputs are new contiguous tensors, except the
/// in-place forms, which write through the target's own strides.
/// </summary>
internal static class Elementwise
{
    // ---- dtype dispatch ----

    /// <summary>a (op) b for numeric dtypes; both operands must already have the same dtype.</summary>
    public static Tensor Binary<TFn>(Tensor a, Tensor b, string op) where TFn : struct, INumericBinary => a.DType switch
    {
        DType.Float32 => Zip<float, float, NumericBinary<float, TFn>>(a, b, op),
        DType.Float64 => Zip<double, double, NumericBinary<double, TFn>>(a, b, op),
        DType.Int64 => Zip<long, long, NumericBinary<long, TFn>>(a, b, op),
        _ => throw Unsupported(op, a.DType),
    };

    public static Tensor Compare<TFn>(Tensor a, Tensor b, string op) where TFn : struct, INumericCompare => a.DType switch
    {
        DType.Float32 => Zip<float, bool, NumericCompare<float, TFn>>(a, b, op),
        DType.Float64 => Zip<double, bool, NumericCompare<double, TFn>>(a, b, op),
        DType.Int64 => Zip<long, bool, NumericCompare<long, TFn>>(a, b, op),
        _ => throw Unsupported(op, a.DType),
    };

    public static Tensor Unary<TFn>(Tensor x, string op) where TFn : struct, INumericUnary => x.DType switch
    {
        DType.Float32 => Map<float, float, NumericUnary<float, TFn>>(x),
        DType.Float64 => Map<double, double, NumericUnary<double, TFn>>(x),
        DType.Int64 => Map<long, long, NumericUnary<long, TFn>>(x),
        _ => throw Unsupported(op, x.DType),
    };

    /// <summary>f(x) for floating dtypes; callers convert integral inputs to float32 first.</summary>
    public static Tensor FloatUnary<TFn>(Tensor x, string op) where TFn : struct, IFloatUnary => x.DType switch
    {
        DType.Float32 => Map<float, float, FloatUnaryOp<float, TFn>>(x),
        DType.Float64 => Map<double, double, FloatUnaryOp<double, TFn>>(x),
        _ => throw Unsupported(op, x.DType),
    };

    public static Tensor FloatBinary<TFn>(Tensor a, Tensor b, string op) where TFn : struct, IFloatBinary => a.DType switch
    {
        DType.Float32 => Zip<float, float, FloatBinaryOp<float, TFn>>(a, b, op),
        DType.Float64 => Zip<double, double, FloatBinaryOp<double, TFn>>(a, b, op),
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

    internal interface IMap<TIn, TOut>
    {
        static abstract TOut Apply(TIn x);
    }

    internal interface IZip<T, TOut>
    {
        static abstract TOut Apply(T a, T b);
    }

    struct NumericBinary<T, TFn> : IZip<T, T> where T : unmanaged, INumber<T> where TFn : struct, INumericBinary
    {
        public static T Apply(T a, T b) => TFn.Apply(a, b);
    }

    struct NumericCompare<T, TFn> : IZip<T, bool> where T : unmanaged, INumber<T> where TFn : struct, INumericCompare
    {
        public static bool Apply(T a, T b) => TFn.Apply(a, b);
    }

    struct NumericUnary<T, TFn> : IMap<T, T> where T : unmanaged, INumber<T> where TFn : struct, INumericUnary
    {
        public static T Apply(T x) => TFn.Apply(x);
    }

    struct FloatUnaryOp<T, TFn> : IMap<T, T> where T : unmanaged, IFloatingPointIeee754<T> where TFn : struct, IFloatUnary
    {
        public static T Apply(T x) => TFn.Apply(x);
    }

    struct FloatBinaryOp<T, TFn> : IZip<T, T> where T : unmanaged, IFloatingPointIeee754<T> where TFn : struct, IFloatBinary
    {
        public static T Apply(T a, T b) => TFn.Apply(a, b);
    }

    /// <summary>Applies <typeparamref name="TOp"/> to each element of x into a new contiguous tensor.</summary>
    public static Tensor Map<TIn, TOut, TOp>(Tensor x) where TIn : unmanaged where TOut : unmanaged where TOp : struct, IMap<TIn, TOut>
    {
        var result = new Tensor(x.ShapeArray(), DTypeOf<TOut>.Value);
        var dst = result.Data<TOut>();
        var src = x.Data<TIn>();
        if (x.IsContiguous)
        {
            var s = x.ContiguousSpan<TIn>();
            for (int i = 0; i < s.Length; i++) dst[i] = TOp.Apply(s[i]);
            return result;
        }
        var row = new MapRow<TIn, TOut, TOp> { Src = src, Dst = dst };
        Strided.ForEachRow(x.shape, [x.strides], [x.offset], ref row);
        return result;
    }

    struct MapRow<TIn, TOut, TOp> : IRowAction where TIn : unmanaged where TOut : unmanaged where TOp : struct, IMap<TIn, TOut>
    {
        public TIn[] Src;
        public TOut[] Dst;
        int position;

        public void Row(ReadOnlySpan<int> offsets, ReadOnlySpan<int> strides, int count)
        {
            int o = offsets[0], s = strides.Length > 0 ? strides[0] : 0;
            for (int i = 0; i < count; i++, o += s) Dst[position++] = TOp.Apply(Src[o]);
        }
    }

    /// <summary>Applies <typeparamref name="TOp"/> pairwise over the broadcast of a and b.</summary>
    public static Tensor Zip<T, TOut, TOp>(Tensor a, Tensor b, string op) where T : unmanaged where TOut : unmanaged where TOp : struct, IZip<T, TOut>
    {
        var shape = Shapes.Broadcast(a.shape, b.shape, op);
        var result = new Tensor(shape, DTypeOf<TOut>.Value);
        var dst = result.Data<TOut>();
        var da = a.Data<T>();
        var db = b.Data<T>();
        if (a.IsContiguous && b.IsContiguous && Shapes.Equal(a.shape, shape) && Shapes.Equal(b.shape, shape))
        {
            var sa = a.ContiguousSpan<T>();
            var sb = b.ContiguousSpan<T>();
            for (int i = 0; i < dst.Length; i++) dst[i] = TOp.Apply(sa[i], sb[i]);
            return result;
        }
        if (b.Numel == 1 && a.IsContiguous && Shapes.Equal(a.shape, shape))
        {
            var sa = a.ContiguousSpan<T>();
            var scalar = db[b.offset];
            for (int i = 0; i < dst.Length; i++) dst[i] = TOp.Apply(sa[i], scalar);
            return result;
        }
        var row = new ZipRow<T, TOut, TOp> { A = da, B = db, Dst = dst };
        Strided.ForEachRow(shape, [BroadcastStrides(a, shape), BroadcastStrides(b, shape)], [a.offset, b.offset], ref row);
        return result;
    }

    struct ZipRow<T, TOut, TOp> : IRowAction where T : unmanaged where TOut : unmanaged where TOp : struct, IZip<T, TOut>
    {
        public T[] A, B;
        public TOut[] Dst;
        int position;

        public void Row(ReadOnlySpan<int> offsets, ReadOnlySpan<int> strides, int count)
        {
            int oa = offsets[0], ob = offsets[1];
            int sa = strides.Length > 0 ? strides[0] : 0, sb = strides.Length > 0 ? strides[1] : 0;
            for (int i = 0; i < count; i++, oa += sa, ob += sb) Dst[position++] = TOp.Apply(A[oa], B[ob]);
        }
    }

    /// <summary>target[i] = op(target[i], other[i]) through target's strides.</summary>
    static void ZipInto<T, TOp>(Tensor target, Tensor other, string op) where T : unmanaged where TOp : struct, IZip<T, T>
    {
        CheckWritable(target, op);
        CheckBroadcastsTo(other, target, op);
        var row = new ZipIntoRow<T, TOp> { Target = target.Data<T>(), Other = other.Data<T>() };
        Strided.ForEachRow(target.shape, [target.strides, BroadcastStrides(other, target.shape)], [target.offset, other.offset], ref row);
    }

    struct ZipIntoRow<T, TOp> : IRowAction where T : unmanaged where TOp : struct, IZip<T, T>
    {
        public T[] Target, Other;

        public void Row(ReadOnlySpan<int> offsets, ReadOnlySpan<int> strides, int count)
        {
            int ot = offsets[0], oo = offsets[1];
            int st = strides.Length > 0 ? strides[0] : 0, so = strides.Length > 0 ? strides[1] : 0;
            for (int i = 0; i < count; i++, ot += st, oo += so) Target[ot] = TOp.Apply(Target[ot], Other[oo]);
        }
    }

    static void MapInto<T, TOp>(Tensor target, string op) where T : unmanaged where TOp : struct, IMap<T, T>
    {
        CheckWritable(target, op);
        var row = new MapIntoRow<T, TOp> { Target = target.Data<T>() };
        Strided.ForEachRow(target.shape, [target.strides], [target.offset], ref row);
    }

    struct MapIntoRow<T, TOp> : IRowAction where T : unmanaged where TOp : struct, IMap<T, T>
    {
        public T[] Target;

        public void Row(ReadOnlySpan<int> offsets, ReadOnlySpan<int> strides, int count)
        {
            int o = offsets[0], s = strides.Length > 0 ? strides[0] : 0;
            for (int i = 0; i < count; i++, o += s) Target[o] = TOp.Apply(Target[o]);
        }
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
            case DType.Float32: CopyTyped<TIn, float>(target, source); break;
            case DType.Float64: CopyTyped<TIn, double>(target, source); break;
            case DType.Int64: CopyTyped<TIn, long>(target, source); break;
            case DType.Bool: CopyTyped<TIn, bool>(target, source); break;
        }
    }

    static void CopyTyped<TIn, TOut>(Tensor target, Tensor source) where TIn : unmanaged where TOut : unmanaged
    {
        if (target.IsContiguous && source.IsContiguous && Shapes.Equal(target.shape, source.shape))
        {
            var s = source.ContiguousSpan<TIn>();
            var d = target.ContiguousSpan<TOut>();
            if (typeof(TIn) == typeof(TOut)) { System.Runtime.InteropServices.MemoryMarshal.Cast<TIn, TOut>(s).CopyTo(d); return; }
            for (int i = 0; i < s.Length; i++) d[i] = Cast.Convert<TIn, TOut>(s[i]);
            return;
        }
        var row = new CopyRow<TIn, TOut> { Target = target.Data<TOut>(), Source = source.Data<TIn>() };
        Strided.ForEachRow(target.shape, [target.strides, BroadcastStrides(source, target.shape)], [target.offset, source.offset], ref row);
    }

    struct CopyRow<TIn, TOut> : IRowAction where TIn : unmanaged where TOut : unmanaged
    {
        public TOut[] Target;
        public TIn[] Source;

        public void Row(ReadOnlySpan<int> offsets, ReadOnlySpan<int> strides, int count)
        {
            int ot = offsets[0], os = offsets[1];
            int st = strides.Length > 0 ? strides[0] : 0, ss = strides.Length > 0 ? strides[1] : 0;
            for (int i = 0; i < count; i++, ot += st, os += ss) Target[ot] = Cast.Convert<TIn, TOut>(Source[os]);
        }
    }

    /// <summary>Strides of <paramref name="t"/> seen at the broadcast shape: 0 where a dim is stretched or new.</summary>
    public static int[] BroadcastStrides(Tensor t, int[] shape)
    {
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
