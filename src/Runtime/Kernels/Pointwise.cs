using System.Numerics;

namespace DeepGen.Kernels;

/// <summary>An elementwise function whose parameters (a slope, bounds, an exponent) live in its fields.</summary>
internal interface IMapWith<TIn, TOut>
{
    TOut Apply(TIn x);
}

internal interface IZipWith<T, TOut>
{
    TOut Apply(T a, T b);
}

/// <summary>A float function with parameters, generic over float and double.</summary>
internal interface IFloatUnaryWith
{
    T Apply<T>(T x) where T : unmanaged, IFloatingPointIeee754<T>;
}

internal interface IFloatBinaryWith
{
    T Apply<T>(T a, T b) where T : unmanaged, IFloatingPointIeee754<T>;
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
    }

    struct FloatBinaryOp<T, TFn> : IZipWith<T, T> where T : unmanaged, IFloatingPointIeee754<T> where TFn : struct, IFloatBinaryWith
    {
        public TFn Fn;
        public T Apply(T a, T b) => Fn.Apply(a, b);
    }

    // ---- typed kernels ----

    public static Tensor Map<TIn, TOut, TOp>(Tensor x, TOp op) where TIn : unmanaged where TOut : unmanaged where TOp : struct, IMapWith<TIn, TOut>
    {
        var result = new Tensor(x.ShapeArray(), DTypeOf<TOut>.Value);
        var dst = result.Data<TOut>();
        var src = x.Data<TIn>();
        if (x.IsContiguous)
        {
            var s = src.AsSpan(x.offset, dst.Length);
            for (int i = 0; i < s.Length; i++) dst[i] = op.Apply(s[i]);
            return result;
        }
        var row = new MapRow<TIn, TOut, TOp> { Src = src, Dst = dst, Op = op };
        Strided.ForEachRow(x.shape, [x.strides], [x.offset], ref row);
        return result;
    }

    struct MapRow<TIn, TOut, TOp> : IRowAction where TIn : unmanaged where TOut : unmanaged where TOp : struct, IMapWith<TIn, TOut>
    {
        public TIn[] Src;
        public TOut[] Dst;
        public TOp Op;
        int position;

        public void Row(ReadOnlySpan<int> offsets, ReadOnlySpan<int> strides, int count)
        {
            int o = offsets[0], s = strides.Length > 0 ? strides[0] : 0;
            for (int i = 0; i < count; i++, o += s) Dst[position++] = Op.Apply(Src[o]);
        }
    }

    /// <summary>target[i] = op(target[i]) through target's strides.</summary>
    public static void MapInPlace<T, TOp>(Tensor target, TOp op, string opName) where T : unmanaged where TOp : struct, IMapWith<T, T>
    {
        Elementwise.CheckWritable(target, opName);
        var row = new MapInPlaceRow<T, TOp> { Target = target.Data<T>(), Op = op };
        Strided.ForEachRow(target.shape, [target.strides], [target.offset], ref row);
    }

    struct MapInPlaceRow<T, TOp> : IRowAction where T : unmanaged where TOp : struct, IMapWith<T, T>
    {
        public T[] Target;
        public TOp Op;

        public void Row(ReadOnlySpan<int> offsets, ReadOnlySpan<int> strides, int count)
        {
            int o = offsets[0], s = strides.Length > 0 ? strides[0] : 0;
            for (int i = 0; i < count; i++, o += s) Target[o] = Op.Apply(Target[o]);
        }
    }

    public static Tensor Zip<T, TOut, TOp>(Tensor a, Tensor b, TOp op, string opName) where T : unmanaged where TOut : unmanaged where TOp : struct, IZipWith<T, TOut>
    {
        var shape = Shapes.Broadcast(a.shape, b.shape, opName);
        var result = new Tensor(shape, DTypeOf<TOut>.Value);
        var dst = result.Data<TOut>();
        var da = a.Data<T>();
        var db = b.Data<T>();
        if (a.IsContiguous && b.IsContiguous && Shapes.Equal(a.shape, shape) && Shapes.Equal(b.shape, shape))
        {
            var sa = da.AsSpan(a.offset, dst.Length);
            var sb = db.AsSpan(b.offset, dst.Length);
            for (int i = 0; i < dst.Length; i++) dst[i] = op.Apply(sa[i], sb[i]);
            return result;
        }
        var row = new ZipRow<T, TOut, TOp> { A = da, B = db, Dst = dst, Op = op };
        Strided.ForEachRow(shape, [Elementwise.BroadcastStrides(a, shape), Elementwise.BroadcastStrides(b, shape)], [a.offset, b.offset], ref row);
        return result;
    }

    struct ZipRow<T, TOut, TOp> : IRowAction where T : unmanaged where TOut : unmanaged where TOp : struct, IZipWith<T, TOut>
    {
        public T[] A, B;
        public TOut[] Dst;
        public TOp Op;
        int position;

        public void Row(ReadOnlySpan<int> offsets, ReadOnlySpan<int> strides, int count)
        {
            int oa = offsets[0], ob = offsets[1];
            int sa = strides.Length > 0 ? strides[0] : 0, sb = strides.Length > 0 ? strides[1] : 0;
            for (int i = 0; i < count; i++, oa += sa, ob += sb) Dst[position++] = Op.Apply(A[oa], B[ob]);
        }
    }

    // ---- select ----

    /// <summary>condition ? x : y over <paramref name="shape"/>, the broadcast of all three; x and y share a dtype.</summary>
    public static Tensor Where(Tensor condition, Tensor x, Tensor y, int[] shape) => x.DType switch
    {
        DType.Float32 => WhereTyped<float>(condition, x, y, shape),
        DType.Float64 => WhereTyped<double>(condition, x, y, shape),
        DType.Int64 => WhereTyped<long>(condition, x, y, shape),
        DType.Bool => WhereTyped<bool>(condition, x, y, shape),
        _ => throw Elementwise.Unsupported("where", x.DType),
    };

    static Tensor WhereTyped<T>(Tensor condition, Tensor x, Tensor y, int[] shape) where T : unmanaged
    {
        var result = new Tensor(shape, x.DType);
        var dst = result.Data<T>();
        var c = condition.Data<bool>();
        var dx = x.Data<T>();
        var dy = y.Data<T>();
        if (condition.IsContiguous && x.IsContiguous && y.IsContiguous
            && Shapes.Equal(condition.shape, shape) && Shapes.Equal(x.shape, shape) && Shapes.Equal(y.shape, shape))
        {
            var sc = c.AsSpan(condition.offset, dst.Length);
            var sx = dx.AsSpan(x.offset, dst.Length);
            var sy = dy.AsSpan(y.offset, dst.Length);
            for (int i = 0; i < dst.Length; i++) dst[i] = sc[i] ? sx[i] : sy[i];
            return result;
        }
        var row = new WhereRow<T> { C = c, X = dx, Y = dy, Dst = dst };
        Strided.ForEachRow(shape,
            [Elementwise.BroadcastStrides(condition, shape), Elementwise.BroadcastStrides(x, shape), Elementwise.BroadcastStrides(y, shape)],
            [condition.offset, x.offset, y.offset], ref row);
        return result;
    }

    struct WhereRow<T> : IRowAction where T : unmanaged
    {
        public bool[] C;
        public T[] X, Y, Dst;
        int position;

        public void Row(ReadOnlySpan<int> offsets, ReadOnlySpan<int> strides, int count)
        {
            int oc = offsets[0], ox = offsets[1], oy = offsets[2];
            int sc = 0, sx = 0, sy = 0;
            if (strides.Length > 0) (sc, sx, sy) = (strides[0], strides[1], strides[2]);
            for (int i = 0; i < count; i++, oc += sc, ox += sx, oy += sy) Dst[position++] = C[oc] ? X[ox] : Y[oy];
        }
    }

    /// <summary>target[i] = value where mask[i], through target's strides; mask is broadcast to target's shape.</summary>
    public static void MaskedFillInPlace(Tensor target, Tensor mask, double value, string op)
    {
        Elementwise.CheckWritable(target, op);
        switch (target.DType)
        {
            case DType.Float32: MaskedFillTyped(target, mask, (float)value); break;
            case DType.Float64: MaskedFillTyped(target, mask, value); break;
            case DType.Int64: MaskedFillTyped(target, mask, (long)value); break;
            case DType.Bool: MaskedFillTyped(target, mask, value != 0); break;
            default: throw Elementwise.Unsupported(op, target.DType);
        }
    }

    static void MaskedFillTyped<T>(Tensor target, Tensor mask, T value) where T : unmanaged
    {
        var row = new MaskedFillRow<T> { Target = target.Data<T>(), Mask = mask.Data<bool>(), Value = value };
        Strided.ForEachRow(target.shape, [target.strides, Elementwise.BroadcastStrides(mask, target.shape)], [target.offset, mask.offset], ref row);
    }

    struct MaskedFillRow<T> : IRowAction where T : unmanaged
    {
        public T[] Target;
        public bool[] Mask;
        public T Value;

        public void Row(ReadOnlySpan<int> offsets, ReadOnlySpan<int> strides, int count)
        {
            int ot = offsets[0], om = offsets[1];
            int st = strides.Length > 0 ? strides[0] : 0, sm = strides.Length > 0 ? strides[1] : 0;
            for (int i = 0; i < count; i++, ot += st, om += sm)
                if (Mask[om]) Target[ot] = Value;
        }
    }
}
