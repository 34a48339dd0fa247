using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace DeepGen.Kernels;

/// <summary>
/// The vector inner loops of the elementwise kernels, over one row: contiguous and broadcast (stride 0) operands
/// go straight through vector loads; other strides, and the tail of every row, are gathered lane by lane into a
/// vector. So every element of a vectorised op goes through the same vector function, whatever the layout.
/// </summary>
internal static class VectorRows
{
    /// <summary>d[i] = op(s[i]) for i &lt; count, element i at offset i * stride.</summary>
    /// <remarks>With <paramref name="stream"/> a contiguous row's whole 64-byte lines are stored past the cache (<see cref="StreamingStore"/>).</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Map<TIn, TOut, TOp>(ref TOp op, ref TIn d, int sd, ref TIn s, int ss, int count, bool stream = false)
        where TIn : unmanaged where TOut : unmanaged where TOp : struct, IMapWith<TIn, TOut>
    {
        int w = Vector256<TIn>.Count, i = 0;
        if (sd == 1)
        {
            if (ss == 1 && stream && count >= 2 * StreamingStore.LineElements<TIn>())
                i = MapStreamed<TIn, TOut, TOp>(ref op, ref d, ref s, count);
            if (ss == 1 && TOp.VectorizesWide && Vector512.IsHardwareAccelerated)
                for (; i <= count - 2 * w; i += 2 * w)
                    op.ApplyWide(Vector512.LoadUnsafe(ref s, (nuint)i)).StoreUnsafe(ref d, (nuint)i);
            if (ss == 1)
                for (; i <= count - w; i += w)
                    op.ApplyVector(Vector256.LoadUnsafe(ref s, (nuint)i)).StoreUnsafe(ref d, (nuint)i);
            else if (ss == 0)
            {
                var v = op.ApplyVector(Vector256.Create(s));
                for (; i <= count - w; i += w) v.StoreUnsafe(ref d, (nuint)i);
            }
        }
        MapGathered<TIn, TOut, TOp>(ref op, ref d, sd, ref s, ss, i, count);
    }

    /// <summary>d[i] = op(a[i], b[i]) with values of a's type (d may be a itself, for in-place ops).</summary>
    /// <remarks>With <paramref name="stream"/> a contiguous row's whole 64-byte lines are stored past the cache (<see cref="StreamingStore"/>).</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Zip<T, TOut, TOp>(ref TOp op, ref T d, int sd, ref T a, int sa, ref T b, int sb, int count, bool stream = false)
        where T : unmanaged where TOut : unmanaged where TOp : struct, IZipWith<T, TOut>
    {
        int w = Vector256<T>.Count, i = 0;
        if (sd == 1)
        {
            if ((uint)sa <= 1 && (uint)sb <= 1 && stream && count >= 2 * StreamingStore.LineElements<T>())
                i = ZipStreamed<T, TOut, TOp>(ref op, ref d, ref a, sa, ref b, sb, count);
            if (sa == 1 && sb == 1 && TOp.VectorizesWide && Vector512.IsHardwareAccelerated)
                for (; i <= count - 2 * w; i += 2 * w)
                    op.ApplyWide(Vector512.LoadUnsafe(ref a, (nuint)i), Vector512.LoadUnsafe(ref b, (nuint)i)).StoreUnsafe(ref d, (nuint)i);
            if (sa == 1 && sb == 1)
                for (; i <= count - w; i += w)
                    op.ApplyVector(Vector256.LoadUnsafe(ref a, (nuint)i), Vector256.LoadUnsafe(ref b, (nuint)i)).StoreUnsafe(ref d, (nuint)i);
            else if (sa == 1 && sb == 0)
            {
                var vb = Vector256.Create(b);
                for (; i <= count - w; i += w) op.ApplyVector(Vector256.LoadUnsafe(ref a, (nuint)i), vb).StoreUnsafe(ref d, (nuint)i);
            }
            else if (sa == 0 && sb == 1)
            {
                var va = Vector256.Create(a);
                for (; i <= count - w; i += w) op.ApplyVector(va, Vector256.LoadUnsafe(ref b, (nuint)i)).StoreUnsafe(ref d, (nuint)i);
            }
        }
        ZipGathered<T, TOut, TOp>(ref op, ref d, sd, ref a, sa, ref b, sb, i, count);
    }

    /// <summary>
    /// The streamed part of a contiguous <see cref="Map{TIn, TOut, TOp}"/> row: the elements before d's first line
    /// boundary through the cache, then every whole 64-byte line (two 8-lane vectors or one 16-lane one) past it;
    /// returns how many elements it did (fewer than a line remain).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static int MapStreamed<TIn, TOut, TOp>(ref TOp op, ref TIn d, ref TIn s, int count)
        where TIn : unmanaged where TOut : unmanaged where TOp : struct, IMapWith<TIn, TOut>
    {
        int w = Vector256<TIn>.Count, i = StreamingStore.ElementsBeforeLine(ref d);
        MapGathered<TIn, TOut, TOp>(ref op, ref d, 1, ref s, 1, 0, i);
        if (TOp.VectorizesWide && Vector512.IsHardwareAccelerated)
        {
            for (; i <= count - 2 * w; i += 2 * w)
                StreamingStore.Write(op.ApplyWide(Vector512.LoadUnsafe(ref s, (nuint)i)), ref Unsafe.Add(ref d, i));
        }
        else
        {
            for (; i <= count - 2 * w; i += 2 * w)
            {
                StreamingStore.Write(op.ApplyVector(Vector256.LoadUnsafe(ref s, (nuint)i)), ref Unsafe.Add(ref d, i));
                StreamingStore.Write(op.ApplyVector(Vector256.LoadUnsafe(ref s, (nuint)(i + w))), ref Unsafe.Add(ref d, i + w));
            }
        }

        StreamingStore.Fence();
        return i;
    }

    /// <summary>
    /// The streamed part of a <see cref="Zip{T, TOut, TOp}"/> row whose operands are contiguous or broadcast (stride
    /// 1 or 0; see <see cref="MapStreamed{TIn, TOut, TOp}"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static int ZipStreamed<T, TOut, TOp>(ref TOp op, ref T d, ref T a, int sa, ref T b, int sb, int count)
        where T : unmanaged where TOut : unmanaged where TOp : struct, IZipWith<T, TOut>
    {
        int w = Vector256<T>.Count, i = StreamingStore.ElementsBeforeLine(ref d);
        ZipGathered<T, TOut, TOp>(ref op, ref d, 1, ref a, sa, ref b, sb, 0, i);
        if (TOp.VectorizesWide && Vector512.IsHardwareAccelerated)
        {
            Vector512<T> wa = Vector512.Create(a), wb = Vector512.Create(b);
            for (; i <= count - 2 * w; i += 2 * w)
            {
                var va = sa == 1 ? Vector512.LoadUnsafe(ref a, (nuint)i) : wa;
                var vb = sb == 1 ? Vector512.LoadUnsafe(ref b, (nuint)i) : wb;
                StreamingStore.Write(op.ApplyWide(va, vb), ref Unsafe.Add(ref d, i));
            }
        }
        else
        {
            // both halves of each line, so that no line is streamed in part
            Vector256<T> ba = Vector256.Create(a), bb = Vector256.Create(b);
            for (; i <= count - 2 * w; i += 2 * w)
            {
                StreamingStore.Write(op.ApplyVector(Operand(ref a, sa, i, ba), Operand(ref b, sb, i, bb)), ref Unsafe.Add(ref d, i));
                StreamingStore.Write(op.ApplyVector(Operand(ref a, sa, i + w, ba), Operand(ref b, sb, i + w, bb)), ref Unsafe.Add(ref d, i + w));
            }
        }

        StreamingStore.Fence();
        return i;
    }

    /// <summary>d[i] = op(s[i]) for i in [from, to), a vector at a time gathered lane by lane (row tails, strided rows, streamed rows' heads).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void MapGathered<TIn, TOut, TOp>(ref TOp op, ref TIn d, int sd, ref TIn s, int ss, int from, int to)
        where TIn : unmanaged where TOut : unmanaged where TOp : struct, IMapWith<TIn, TOut>
    {
        int w = Vector256<TIn>.Count;
        for (int i = from; i < to; i += w)
        {
            int m = Math.Min(w, to - i);
            Scatter(op.ApplyVector(Gather(ref Unsafe.Add(ref s, (nint)i * ss), ss, m)), ref Unsafe.Add(ref d, (nint)i * sd), sd, m);
        }
    }

    /// <summary>d[i] = op(a[i], b[i]) for i in [from, to), gathered lane by lane (see <see cref="MapGathered{TIn, TOut, TOp}"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void ZipGathered<T, TOut, TOp>(ref TOp op, ref T d, int sd, ref T a, int sa, ref T b, int sb, int from, int to)
        where T : unmanaged where TOut : unmanaged where TOp : struct, IZipWith<T, TOut>
    {
        int w = Vector256<T>.Count;
        for (int i = from; i < to; i += w)
        {
            int m = Math.Min(w, to - i);
            var result = op.ApplyVector(Gather(ref Unsafe.Add(ref a, (nint)i * sa), sa, m), Gather(ref Unsafe.Add(ref b, (nint)i * sb), sb, m));
            Scatter(result, ref Unsafe.Add(ref d, (nint)i * sd), sd, m);
        }
    }

    /// <summary>The 8-lane vector of a contiguous (stride 1) operand at <paramref name="i"/>, or its broadcast value (stride 0).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector256<T> Operand<T>(ref T x, int stride, int i, Vector256<T> broadcast) where T : unmanaged =>
        stride == 1 ? Vector256.LoadUnsafe(ref x, (nuint)i) : broadcast;

    /// <summary>d[i] = op(a[i], b[i]) for an op whose vector form gives a lane mask, stored as bools.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Compare<T, TOut, TOp>(ref TOp op, ref bool d, int sd, ref T a, int sa, ref T b, int sb, int count)
        where T : unmanaged where TOut : unmanaged where TOp : struct, IZipWith<T, TOut>
    {
        int w = Vector256<T>.Count, i = 0;
        if (sd == 1)
        {
            if (sa == 1 && sb == 1)
                for (; i <= count - w; i += w)
                    StoreBools(op.ApplyVector(Vector256.LoadUnsafe(ref a, (nuint)i), Vector256.LoadUnsafe(ref b, (nuint)i)), ref Unsafe.Add(ref d, i));
            else if (sa == 1 && sb == 0)
            {
                var vb = Vector256.Create(b);
                for (; i <= count - w; i += w) StoreBools(op.ApplyVector(Vector256.LoadUnsafe(ref a, (nuint)i), vb), ref Unsafe.Add(ref d, i));
            }
            else if (sa == 0 && sb == 1)
            {
                var va = Vector256.Create(a);
                for (; i <= count - w; i += w) StoreBools(op.ApplyVector(va, Vector256.LoadUnsafe(ref b, (nuint)i)), ref Unsafe.Add(ref d, i));
            }
        }
        for (; i < count; i += w)
        {
            int m = Math.Min(w, count - i);
            uint bits = op.ApplyVector(Gather(ref Unsafe.Add(ref a, (nint)i * sa), sa, m), Gather(ref Unsafe.Add(ref b, (nint)i * sb), sb, m)).ExtractMostSignificantBits();
            for (int j = 0; j < m; j++) Unsafe.Add(ref d, (nint)(i + j) * sd) = ((bits >> j) & 1) != 0;
        }
    }

    /// <summary>
    /// d[i] = c[i] ? x[i] : y[i] over the leading full vectors of a row whose output and condition are contiguous
    /// and whose values are contiguous or broadcast; returns how many elements it did (the caller does the rest).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Where<T>(ref T d, int sd, ref bool c, int sc, ref T x, int sx, ref T y, int sy, int count) where T : unmanaged
    {
        int w = Vector256<T>.Count, i = 0;
        if (sd != 1 || sc != 1 || (uint)sx > 1 || (uint)sy > 1) return 0;
        Vector256<T> bx = Vector256.Create(x), by = Vector256.Create(y);
        for (; i <= count - w; i += w)
        {
            var vx = sx == 1 ? Vector256.LoadUnsafe(ref x, (nuint)i) : bx;
            var vy = sy == 1 ? Vector256.LoadUnsafe(ref y, (nuint)i) : by;
            Vector256.ConditionalSelect(LaneMask<T>(ref Unsafe.Add(ref c, i)), vx, vy).StoreUnsafe(ref d, (nuint)i);
        }
        return i;
    }

    /// <summary>d[i] = value where m[i], over the leading full vectors of a contiguous row; returns how many elements it did.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int MaskedFill<T>(ref T d, int sd, ref bool m, int sm, T value, int count) where T : unmanaged
    {
        int w = Vector256<T>.Count, i = 0;
        if (sd != 1 || sm != 1) return 0;
        var v = Vector256.Create(value);
        for (; i <= count - w; i += w)
            Vector256.ConditionalSelect(LaneMask<T>(ref Unsafe.Add(ref m, i)), v, Vector256.LoadUnsafe(ref d, (nuint)i)).StoreUnsafe(ref d, (nuint)i);
        return i;
    }

    /// <summary>A lane mask (all bits set where true) from the Vector256&lt;T&gt;.Count bools at c; T is 4 or 8 bytes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector256<T> LaneMask<T>(ref bool c) where T : unmanaged
    {
        ref byte bytes = ref Unsafe.As<bool, byte>(ref c);
        if (Vector256<T>.Count == 8)
        {
            var words = Vector128.WidenLower(Vector128.CreateScalarUnsafe(Unsafe.ReadUnaligned<ulong>(ref bytes)).AsByte());
            var (lower, upper) = Vector128.Widen(words);
            return (~Vector256.Equals(Vector256.Create(lower, upper), Vector256<uint>.Zero)).As<uint, T>();
        }
        var quads = Vector128.WidenLower(Vector128.WidenLower(Vector128.CreateScalarUnsafe(Unsafe.ReadUnaligned<uint>(ref bytes)).AsByte()));
        var (low, high) = Vector128.Widen(quads);
        return (~Vector256.Equals(Vector256.Create(low, high), Vector256<ulong>.Zero)).As<ulong, T>();
    }

    /// <summary>Lanes [0, count) read at the given stride into a vector; the other lanes are zero.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector256<T> Gather<T>(ref T source, int stride, int count) where T : unmanaged
    {
        if (stride == 1 && count == Vector256<T>.Count) return Vector256.LoadUnsafe(ref source);
        var v = Vector256<T>.Zero;
        ref T lanes = ref Unsafe.As<Vector256<T>, T>(ref v);
        for (int j = 0; j < count; j++) Unsafe.Add(ref lanes, j) = Unsafe.Add(ref source, (nint)j * stride);
        return v;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Scatter<T>(Vector256<T> v, ref T destination, int stride, int count) where T : unmanaged
    {
        if (stride == 1 && count == Vector256<T>.Count)
        {
            v.StoreUnsafe(ref destination);
            return;
        }
        ref T lanes = ref Unsafe.As<Vector256<T>, T>(ref v);
        for (int j = 0; j < count; j++) Unsafe.Add(ref destination, (nint)j * stride) = Unsafe.Add(ref lanes, j);
    }

    /// <summary>Writes a full vector's lane mask as bools (1 byte each) at d.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void StoreBools<T>(Vector256<T> mask, ref bool d) where T : unmanaged
    {
        uint bits = mask.ExtractMostSignificantBits();
        ref byte target = ref Unsafe.As<bool, byte>(ref d);
        if (Vector256<T>.Count == 8) Unsafe.WriteUnaligned(ref target, SpreadBits(bits));
        else if (Vector256<T>.Count == 4) Unsafe.WriteUnaligned(ref target, (uint)SpreadBits(bits));
        else
            for (int j = 0; j < Vector256<T>.Count; j++) Unsafe.Add(ref d, j) = ((bits >> j) & 1) != 0;
    }

    /// <summary>Moves bit j of the low 8 bits to bit 8j: one 0/1 byte per lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static ulong SpreadBits(uint bits)
    {
        ulong x = bits & 0xFF;
        x = (x | (x << 28)) & 0x0000000F0000000FUL;
        x = (x | (x << 14)) & 0x0003000300030003UL;
        x = (x | (x << 7)) & 0x0101010101010101UL;
        return x;
    }
}
