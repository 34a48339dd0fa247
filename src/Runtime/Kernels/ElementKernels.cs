using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace DeepGen.Kernels;

/// <summary>
/// The typed elementwise kernels behind <see cref="Elementwise"/> and <see cref="Pointwise"/>. Each hands its
/// operands' strides (the written one first) to <see cref="ElementLoop"/>, which runs a row action over their
/// merged layout; the actions vectorise contiguous and broadcast rows when the op has a vector form, and big
/// loops are split over threads.
/// Outputs are new contiguous tensors whose every element is written, so they are allocated uninitialized.
/// </summary>
internal static class ElementKernels
{
    public static Tensor Map<TIn, TOut, TOp>(Tensor x, TOp op) where TIn : unmanaged where TOut : unmanaged where TOp : struct, IMapWith<TIn, TOut>
    {
        var result = Tensor.Uninitialized(x.ShapeArray(), DTypeOf<TOut>.Value);
        ElementLoop.Run(x.shape, [result.strides, x.strides], [0, x.offset],
            new MapRow<TIn, TOut, TOp> { Dst = result.Data<TOut>(), Src = x.Data<TIn>(), Op = op, Stream = Streams(result) });
        return result;
    }

    /// <summary>target[i] = op(target[i]) through target's strides.</summary>
    public static void MapInPlace<T, TOp>(Tensor target, TOp op) where T : unmanaged where TOp : struct, IMapWith<T, T>
    {
        var data = target.Data<T>();
        ElementLoop.Run(target.shape, [target.strides, target.strides], [target.offset, target.offset],
            new MapRow<T, T, TOp> { Dst = data, Src = data, Op = op });
    }

    /// <summary>op(a, b) over the broadcast of a and b, into a new contiguous tensor.</summary>
    public static Tensor Zip<T, TOut, TOp>(Tensor a, Tensor b, TOp op, string opName) where T : unmanaged where TOut : unmanaged where TOp : struct, IZipWith<T, TOut>
    {
        var shape = Shapes.Broadcast(a.shape, b.shape, opName);
        var result = Tensor.Uninitialized(shape, DTypeOf<TOut>.Value);
        ElementLoop.Run(shape, [result.strides, Elementwise.BroadcastStrides(a, shape), Elementwise.BroadcastStrides(b, shape)], [0, a.offset, b.offset],
            new ZipRow<T, TOut, TOp> { Dst = result.Data<TOut>(), A = a.Data<T>(), B = b.Data<T>(), Op = op, Stream = Streams(result) });
        return result;
    }

    /// <summary>target[i] = op(target[i], other[i]) through target's strides; other must broadcast to target's shape.</summary>
    public static void ZipInPlace<T, TOp>(Tensor target, Tensor other, TOp op) where T : unmanaged where TOp : struct, IZipWith<T, T>
    {
        other = Unaliased(target, other);
        var data = target.Data<T>();
        ElementLoop.Run(target.shape, [target.strides, target.strides, Elementwise.BroadcastStrides(other, target.shape)],
            [target.offset, target.offset, other.offset],
            new ZipRow<T, T, TOp> { Dst = data, A = data, B = other.Data<T>(), Op = op });
    }

    /// <summary>Copies source (converted, broadcast to target's shape) into target through its strides.</summary>
    public static void Copy<TIn, TOut>(Tensor target, Tensor source) where TIn : unmanaged where TOut : unmanaged
    {
        source = Unaliased(target, source);
        ElementLoop.Run(target.shape, [target.strides, Elementwise.BroadcastStrides(source, target.shape)], [target.offset, source.offset],
            new CopyRow<TIn, TOut> { Dst = target.Data<TOut>(), Src = source.Data<TIn>() });
    }

    /// <summary>condition ? x : y over <paramref name="shape"/>, the broadcast of all three.</summary>
    public static Tensor Where<T>(Tensor condition, Tensor x, Tensor y, int[] shape) where T : unmanaged
    {
        var result = Tensor.Uninitialized(shape, x.DType);
        ElementLoop.Run(shape,
            [result.strides, Elementwise.BroadcastStrides(condition, shape), Elementwise.BroadcastStrides(x, shape), Elementwise.BroadcastStrides(y, shape)],
            [0, condition.offset, x.offset, y.offset],
            new WhereRow<T> { Dst = result.Data<T>(), C = condition.Data<bool>(), X = x.Data<T>(), Y = y.Data<T>() });
        return result;
    }

    /// <summary>target[i] = value where mask[i], mask broadcast to target's shape.</summary>
    public static void MaskedFill<T>(Tensor target, Tensor mask, T value) where T : unmanaged
    {
        ElementLoop.Run(target.shape, [target.strides, Elementwise.BroadcastStrides(mask, target.shape)], [target.offset, mask.offset],
            new MaskedFillRow<T> { Dst = target.Data<T>(), Mask = mask.Data<bool>(), Value = value });
    }

    /// <summary>
    /// The operand of an in-place op, copied first when it shares the target's storage in another layout: then
    /// the op reads the old values wherever it has got to, whatever the order (vector blocks, threads) it writes in.
    /// </summary>
    static Tensor Unaliased(Tensor target, Tensor other)
    {
        if (!ReferenceEquals(target.storage, other.storage)) return other;
        if (other.offset == target.offset && Shapes.Equal(other.shape, target.shape) && Shapes.Equal(other.strides, target.strides)) return other;
        var copy = Tensor.Uninitialized(other.ShapeArray(), other.DType);
        Elementwise.CopyInto(copy, other, "copy");
        return copy;
    }

    /// <summary>Whether a new output is large enough to be written past the cache (<see cref="StreamingStore"/>); in-place ops never are.</summary>
    static bool Streams(Tensor result) => result.Numel >= StreamingStore.MinElements;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static ref T At<T>(T[] array, int offset) => ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(array), offset);

    // ---- row actions: operand 0 is the one written ----

    struct MapRow<TIn, TOut, TOp> : IRowAction where TIn : unmanaged where TOut : unmanaged where TOp : struct, IMapWith<TIn, TOut>
    {
        public TOut[] Dst;
        public TIn[] Src;
        public TOp Op;
        public bool Stream;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Row(ReadOnlySpan<int> offsets, ReadOnlySpan<int> strides, int count)
        {
            ref TOut d = ref At(Dst, offsets[0]);
            ref TIn s = ref At(Src, offsets[1]);
            int sd = strides[0], ss = strides[1];
            if (TOp.Vectorizes && Vector256.IsHardwareAccelerated && typeof(TIn) == typeof(TOut))
            {
                VectorRows.Map<TIn, TOut, TOp>(ref Op, ref Unsafe.As<TOut, TIn>(ref d), sd, ref s, ss, count, Stream);
                return;
            }
            for (int i = 0; i < count; i++) Unsafe.Add(ref d, (nint)i * sd) = Op.Apply(Unsafe.Add(ref s, (nint)i * ss));
        }
    }

    struct ZipRow<T, TOut, TOp> : IRowAction where T : unmanaged where TOut : unmanaged where TOp : struct, IZipWith<T, TOut>
    {
        public TOut[] Dst;
        public T[] A, B;
        public TOp Op;
        public bool Stream;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Row(ReadOnlySpan<int> offsets, ReadOnlySpan<int> strides, int count)
        {
            ref TOut d = ref At(Dst, offsets[0]);
            ref T a = ref At(A, offsets[1]);
            ref T b = ref At(B, offsets[2]);
            int sd = strides[0], sa = strides[1], sb = strides[2];
            if (TOp.Vectorizes && Vector256.IsHardwareAccelerated)
            {
                if (typeof(TOut) == typeof(T))
                {
                    VectorRows.Zip<T, TOut, TOp>(ref Op, ref Unsafe.As<TOut, T>(ref d), sd, ref a, sa, ref b, sb, count, Stream);
                    return;
                }
                if (typeof(TOut) == typeof(bool))
                {
                    VectorRows.Compare<T, TOut, TOp>(ref Op, ref Unsafe.As<TOut, bool>(ref d), sd, ref a, sa, ref b, sb, count);
                    return;
                }
            }
            for (int i = 0; i < count; i++) Unsafe.Add(ref d, (nint)i * sd) = Op.Apply(Unsafe.Add(ref a, (nint)i * sa), Unsafe.Add(ref b, (nint)i * sb));
        }
    }

    struct CopyRow<TIn, TOut> : IRowAction where TIn : unmanaged where TOut : unmanaged
    {
        public TOut[] Dst;
        public TIn[] Src;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Row(ReadOnlySpan<int> offsets, ReadOnlySpan<int> strides, int count)
        {
            ref TOut d = ref At(Dst, offsets[0]);
            ref TIn s = ref At(Src, offsets[1]);
            int sd = strides[0], ss = strides[1];
            int i = 0;
            if (sd == 1 && ss == 1)
            {
                if (typeof(TIn) == typeof(TOut))
                {
                    MemoryMarshal.CreateReadOnlySpan(ref s, count).CopyTo(MemoryMarshal.CreateSpan(ref Unsafe.As<TOut, TIn>(ref d), count));
                    return;
                }
                if (Vector256.IsHardwareAccelerated) i = VectorCasts.Convert(ref s, ref d, count);
            }
            else if (sd == 1 && ss == 0)
            {
                MemoryMarshal.CreateSpan(ref d, count).Fill(Cast.Convert<TIn, TOut>(s));
                return;
            }
            for (; i < count; i++) Unsafe.Add(ref d, (nint)i * sd) = Cast.Convert<TIn, TOut>(Unsafe.Add(ref s, (nint)i * ss));
        }
    }

    struct WhereRow<T> : IRowAction where T : unmanaged
    {
        public T[] Dst, X, Y;
        public bool[] C;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Row(ReadOnlySpan<int> offsets, ReadOnlySpan<int> strides, int count)
        {
            ref T d = ref At(Dst, offsets[0]);
            ref bool c = ref At(C, offsets[1]);
            ref T x = ref At(X, offsets[2]);
            ref T y = ref At(Y, offsets[3]);
            int sd = strides[0], sc = strides[1], sx = strides[2], sy = strides[3];
            int i = 0;
            if (Vector256.IsHardwareAccelerated && VectorTypes.IsNumeric<T>()) i = VectorRows.Where(ref d, sd, ref c, sc, ref x, sx, ref y, sy, count);
            for (; i < count; i++)
                Unsafe.Add(ref d, (nint)i * sd) = Unsafe.Add(ref c, (nint)i * sc) ? Unsafe.Add(ref x, (nint)i * sx) : Unsafe.Add(ref y, (nint)i * sy);
        }
    }

    struct MaskedFillRow<T> : IRowAction where T : unmanaged
    {
        public T[] Dst;
        public bool[] Mask;
        public T Value;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Row(ReadOnlySpan<int> offsets, ReadOnlySpan<int> strides, int count)
        {
            ref T d = ref At(Dst, offsets[0]);
            ref bool m = ref At(Mask, offsets[1]);
            int sd = strides[0], sm = strides[1];
            int i = 0;
            if (Vector256.IsHardwareAccelerated && VectorTypes.IsNumeric<T>()) i = VectorRows.MaskedFill(ref d, sd, ref m, sm, Value, count);
            for (; i < count; i++)
                if (Unsafe.Add(ref m, (nint)i * sm)) Unsafe.Add(ref d, (nint)i * sd) = Value;
        }
    }
}

/// <summary>Vector conversions between float and double (exact one way, rounded as the scalar cast the other).</summary>
internal static class VectorCasts
{
    /// <summary>Converts the leading full vectors of a contiguous run; returns how many elements it did.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Convert<TIn, TOut>(ref TIn s, ref TOut d, int count) where TIn : unmanaged where TOut : unmanaged
    {
        int i = 0;
        if (typeof(TIn) == typeof(float) && typeof(TOut) == typeof(double))
        {
            ref float src = ref Unsafe.As<TIn, float>(ref s);
            ref double dst = ref Unsafe.As<TOut, double>(ref d);
            for (; i <= count - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                var (lower, upper) = Vector256.Widen(Vector256.LoadUnsafe(ref src, (nuint)i));
                lower.StoreUnsafe(ref dst, (nuint)i);
                upper.StoreUnsafe(ref dst, (nuint)(i + Vector256<double>.Count));
            }
        }
        else if (typeof(TIn) == typeof(double) && typeof(TOut) == typeof(float))
        {
            ref double src = ref Unsafe.As<TIn, double>(ref s);
            ref float dst = ref Unsafe.As<TOut, float>(ref d);
            for (; i <= count - Vector256<float>.Count; i += Vector256<float>.Count)
                Vector256.Narrow(Vector256.LoadUnsafe(ref src, (nuint)i), Vector256.LoadUnsafe(ref src, (nuint)(i + Vector256<double>.Count))).StoreUnsafe(ref dst, (nuint)i);
        }
        return i;
    }
}
