using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace DeepGen.Kernels;

// The register-blocked micro-kernels and the store of a finished tile into C.
internal static partial class GemmBlocked<TS, TV, T>
{
    /// <summary>How a finished tile goes into C: alpha * tile (+ beta * C), then the epilogue (only after the last K block).</summary>
    readonly struct TileStore(T alpha, T beta, GemmEpilogue<T> epilogue)
    {
        public readonly T Alpha = alpha, Beta = beta;
        public readonly GemmEpilogue<T> Epilogue = epilogue;
    }

    /// <summary>One MR x NR tile of C at c[cIndex], of which rows x cols exist.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void MicroTile(int kc, ref T a, ref T b, T[] c, int cIndex, int ldc, int rows, int cols, int column, in TileStore store)
    {
        if (rows == MR && cols == NR)
        {
            // bounds checked once for the tile; the kernel writes it unchecked
            _ = c.AsSpan(cIndex + (MR - 1) * ldc, NR);
            MicroKernel(kc, ref a, ref b, ref c[cIndex], ldc, store, column);
        }
        else EdgeTile(kc, ref a, ref b, c, cIndex, ldc, rows, cols, column, store);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void MicroKernel(int kc, ref T a, ref T b, ref T c, int ldc, in TileStore store, int column)
    {
        if (WideRegisterFile) MicroKernel12(kc, ref a, ref b, ref c, ldc, store, column);
        else MicroKernel6(kc, ref a, ref b, ref c, ldc, store, column);
    }

    /// <summary>A tile that overhangs C's edge: computed whole aside, then the part that exists is stored.</summary>
    // the micro-kernel writes the whole tile (beta = 0), so zeroing it first would be wasted: 1.5 KB per edge tile
    [MethodImpl(MethodImplOptions.NoInlining), SkipLocalsInit]
    static void EdgeTile(int kc, ref T a, ref T b, T[] c, int cIndex, int ldc, int rows, int cols, int column, in TileStore store)
    {
        int nr = NR;
        Span<T> tile = stackalloc T[12 * 2 * 64 / Unsafe.SizeOf<T>()];
        MicroKernel(kc, ref a, ref b, ref tile[0], nr, new TileStore(store.Alpha, T.Zero, default), 0);
        var epilogue = store.Epilogue;
        for (int r = 0; r < rows; r++)
        {
            var target = c.AsSpan(cIndex + r * ldc, cols);
            var computed = tile.Slice(r * nr, cols);
            if (store.Beta == T.Zero) computed.CopyTo(target);
            else
                for (int col = 0; col < cols; col++) target[col] = computed[col] + store.Beta * target[col];
        }
        epilogue.Apply(c, cIndex, ldc, rows, cols, column);
    }

    /// <summary>
    /// 12 rows by two vectors, for AVX-512: 24 accumulators. Per step two B vectors are loaded and twelve A
    /// values broadcast, for 24 FMAs.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void MicroKernel12(int kc, ref T a, ref T b, ref T c, int ldc, in TileStore store, int column)
    {
        int w = TS.Count;
        PrefetchTile(ref c, ldc, 12, 2 * w);
        TV c00 = TS.Zero, c01 = TS.Zero, c10 = TS.Zero, c11 = TS.Zero, c20 = TS.Zero, c21 = TS.Zero;
        TV c30 = TS.Zero, c31 = TS.Zero, c40 = TS.Zero, c41 = TS.Zero, c50 = TS.Zero, c51 = TS.Zero;
        TV c60 = TS.Zero, c61 = TS.Zero, c70 = TS.Zero, c71 = TS.Zero, c80 = TS.Zero, c81 = TS.Zero;
        TV c90 = TS.Zero, c91 = TS.Zero, ca0 = TS.Zero, ca1 = TS.Zero, cb0 = TS.Zero, cb1 = TS.Zero;
        for (int p = 0; p < kc; p++)
        {
            TV b0 = TS.Load(ref b);
            TV b1 = TS.Load(ref Unsafe.Add(ref b, w));
            TV ai = TS.Splat(a);
            c00 = TS.MulAdd(ai, b0, c00); c01 = TS.MulAdd(ai, b1, c01);
            ai = TS.Splat(Unsafe.Add(ref a, 1));
            c10 = TS.MulAdd(ai, b0, c10); c11 = TS.MulAdd(ai, b1, c11);
            ai = TS.Splat(Unsafe.Add(ref a, 2));
            c20 = TS.MulAdd(ai, b0, c20); c21 = TS.MulAdd(ai, b1, c21);
            ai = TS.Splat(Unsafe.Add(ref a, 3));
            c30 = TS.MulAdd(ai, b0, c30); c31 = TS.MulAdd(ai, b1, c31);
            ai = TS.Splat(Unsafe.Add(ref a, 4));
            c40 = TS.MulAdd(ai, b0, c40); c41 = TS.MulAdd(ai, b1, c41);
            ai = TS.Splat(Unsafe.Add(ref a, 5));
            c50 = TS.MulAdd(ai, b0, c50); c51 = TS.MulAdd(ai, b1, c51);
            ai = TS.Splat(Unsafe.Add(ref a, 6));
            c60 = TS.MulAdd(ai, b0, c60); c61 = TS.MulAdd(ai, b1, c61);
            ai = TS.Splat(Unsafe.Add(ref a, 7));
            c70 = TS.MulAdd(ai, b0, c70); c71 = TS.MulAdd(ai, b1, c71);
            ai = TS.Splat(Unsafe.Add(ref a, 8));
            c80 = TS.MulAdd(ai, b0, c80); c81 = TS.MulAdd(ai, b1, c81);
            ai = TS.Splat(Unsafe.Add(ref a, 9));
            c90 = TS.MulAdd(ai, b0, c90); c91 = TS.MulAdd(ai, b1, c91);
            ai = TS.Splat(Unsafe.Add(ref a, 10));
            ca0 = TS.MulAdd(ai, b0, ca0); ca1 = TS.MulAdd(ai, b1, ca1);
            ai = TS.Splat(Unsafe.Add(ref a, 11));
            cb0 = TS.MulAdd(ai, b0, cb0); cb1 = TS.MulAdd(ai, b1, cb1);
            a = ref Unsafe.Add(ref a, 12);
            b = ref Unsafe.Add(ref b, 2 * w);
        }
        var s = new RowStore(store, column, w);
        s.Row(ref c, c00, c01);
        s.Row(ref Unsafe.Add(ref c, ldc), c10, c11);
        s.Row(ref Unsafe.Add(ref c, 2 * ldc), c20, c21);
        s.Row(ref Unsafe.Add(ref c, 3 * ldc), c30, c31);
        s.Row(ref Unsafe.Add(ref c, 4 * ldc), c40, c41);
        s.Row(ref Unsafe.Add(ref c, 5 * ldc), c50, c51);
        s.Row(ref Unsafe.Add(ref c, 6 * ldc), c60, c61);
        s.Row(ref Unsafe.Add(ref c, 7 * ldc), c70, c71);
        s.Row(ref Unsafe.Add(ref c, 8 * ldc), c80, c81);
        s.Row(ref Unsafe.Add(ref c, 9 * ldc), c90, c91);
        s.Row(ref Unsafe.Add(ref c, 10 * ldc), ca0, ca1);
        s.Row(ref Unsafe.Add(ref c, 11 * ldc), cb0, cb1);
    }

    /// <summary>
    /// 6 rows by two vectors, for 16-register instruction sets: 12 accumulators. Per step two B vectors are
    /// loaded and six A values broadcast, for twelve FMAs.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void MicroKernel6(int kc, ref T a, ref T b, ref T c, int ldc, in TileStore store, int column)
    {
        int w = TS.Count;
        PrefetchTile(ref c, ldc, 6, 2 * w);
        TV c00 = TS.Zero, c01 = TS.Zero, c10 = TS.Zero, c11 = TS.Zero, c20 = TS.Zero, c21 = TS.Zero;
        TV c30 = TS.Zero, c31 = TS.Zero, c40 = TS.Zero, c41 = TS.Zero, c50 = TS.Zero, c51 = TS.Zero;
        for (int p = 0; p < kc; p++)
        {
            TV b0 = TS.Load(ref b);
            TV b1 = TS.Load(ref Unsafe.Add(ref b, w));
            TV ai = TS.Splat(a);
            c00 = TS.MulAdd(ai, b0, c00); c01 = TS.MulAdd(ai, b1, c01);
            ai = TS.Splat(Unsafe.Add(ref a, 1));
            c10 = TS.MulAdd(ai, b0, c10); c11 = TS.MulAdd(ai, b1, c11);
            ai = TS.Splat(Unsafe.Add(ref a, 2));
            c20 = TS.MulAdd(ai, b0, c20); c21 = TS.MulAdd(ai, b1, c21);
            ai = TS.Splat(Unsafe.Add(ref a, 3));
            c30 = TS.MulAdd(ai, b0, c30); c31 = TS.MulAdd(ai, b1, c31);
            ai = TS.Splat(Unsafe.Add(ref a, 4));
            c40 = TS.MulAdd(ai, b0, c40); c41 = TS.MulAdd(ai, b1, c41);
            ai = TS.Splat(Unsafe.Add(ref a, 5));
            c50 = TS.MulAdd(ai, b0, c50); c51 = TS.MulAdd(ai, b1, c51);
            a = ref Unsafe.Add(ref a, 6);
            b = ref Unsafe.Add(ref b, 2 * w);
        }
        var s = new RowStore(store, column, w);
        s.Row(ref c, c00, c01);
        s.Row(ref Unsafe.Add(ref c, ldc), c10, c11);
        s.Row(ref Unsafe.Add(ref c, 2 * ldc), c20, c21);
        s.Row(ref Unsafe.Add(ref c, 3 * ldc), c30, c31);
        s.Row(ref Unsafe.Add(ref c, 4 * ldc), c40, c41);
        s.Row(ref Unsafe.Add(ref c, 5 * ldc), c50, c51);
    }

    /// <summary>
    /// Starts loading the C tile into L1 while the k loop runs: otherwise the update after the loop waits
    /// on a cache miss per row (C is usually too big for L2).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static unsafe void PrefetchTile(ref T c, int ldc, int rows, int cols)
    {
        if (!Sse.IsSupported) return;
        int lastByte = (cols - 1) * sizeof(T);
        for (int r = 0; r < rows; r++)
        {
            // a prefetch never faults, so a stale address (should the GC move the array meanwhile) is harmless
            byte* row = (byte*)Unsafe.AsPointer(ref Unsafe.Add(ref c, r * ldc));
            Sse.Prefetch0(row);
            Sse.Prefetch0(row + lastByte);
        }
    }

    /// <summary>The store of one tile row (two vectors), with the scaling and epilogue values splatted once per tile.</summary>
    readonly ref struct RowStore
    {
        readonly TV alpha, beta, bias0, bias1;
        readonly bool readC, addBias, relu;
        readonly int w;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public RowStore(in TileStore store, int column, int w)
        {
            this.w = w;
            alpha = TS.Splat(store.Alpha);
            beta = TS.Splat(store.Beta);
            readC = store.Beta != T.Zero;
            var epilogue = store.Epilogue;
            relu = epilogue.Relu;
            addBias = epilogue.Bias is not null;
            bias0 = bias1 = TS.Zero;
            if (epilogue.Bias is { } bias)
            {
                ref T at = ref bias.AsSpan(epilogue.BiasOffset + column, 2 * w)[0];
                bias0 = TS.Load(ref at);
                bias1 = TS.Load(ref Unsafe.Add(ref at, w));
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Row(ref T row, TV lo, TV hi)
        {
            ref T second = ref Unsafe.Add(ref row, w);
            lo = TS.Mul(alpha, lo);
            hi = TS.Mul(alpha, hi);
            if (readC)
            {
                lo = TS.MulAdd(beta, TS.Load(ref row), lo);
                hi = TS.MulAdd(beta, TS.Load(ref second), hi);
            }
            if (addBias)
            {
                lo = TS.Add(lo, bias0);
                hi = TS.Add(hi, bias1);
            }
            if (relu)
            {
                lo = TS.Max(lo, TS.Zero);
                hi = TS.Max(hi, TS.Zero);
            }
            TS.Store(lo, ref row);
            TS.Store(hi, ref second);
        }
    }
}
