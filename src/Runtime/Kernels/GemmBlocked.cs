using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace DeepGen.Kernels;

/// <summary>
/// The cache-blocked GEMM (the Goto/BLIS scheme): B is packed a KC x NC block at a time into panels NR
/// columns wide, A an MC x KC block at a time into panels MR rows tall, so the register-blocked micro-kernel
/// streams both from contiguous memory whatever the operands' strides. Edges are zero-padded in the packs.
/// With <c>parallel</c>, the MC x (slice of NC) blocks of each packed B go to different threads.
/// The hot methods skip tiered compilation: a GEMM spends its whole life in a few calls to them, and their
/// unoptimised first tier is an order of magnitude slower.
/// </summary>
internal static class GemmBlocked<TS, TV, T>
    where TS : struct, ISimd<TV, T> where TV : struct where T : unmanaged, INumber<T>
{
    // Register tile: MR rows by two vectors. 6 x 2 keeps 12 accumulators live, enough to hide FMA latency,
    // and fits the 16 registers of AVX2 as well as AVX-512's 32.
    const int MR = 6;
    static int NR => 2 * TS.Count;

    // Cache blocks: an A panel (MR x KC) and a B panel (KC x NR) sit in L1, the packed A block (MC x KC) in L2.
    const int KC = 256;
    const int MC = 96;
    static int NC => 128 * NR;

    public static void Run(int m, int n, int k, T alpha, MatrixRef<T> a, MatrixRef<T> b, T beta, T[] c, int offC, int ldc, bool parallel)
    {
        int nr = NR;
        var packedB = ArrayPool<T>.Shared.Rent(KC * RoundUp(Math.Min(n, NC), nr));
        try
        {
            for (int jc = 0; jc < n; jc += NC)
            {
                int nc = Math.Min(NC, n - jc);
                for (int pc = 0; pc < k; pc += KC)
                {
                    int kc = Math.Min(KC, k - pc);
                    // later K blocks add onto what the first one wrote
                    T blockBeta = pc == 0 ? beta : T.One;
                    PackB(b, pc, jc, kc, nc, packedB);
                    var block = new BlockJob(m, nc, kc, alpha, a, pc, jc, packedB, blockBeta, c, offC, ldc, parallel);
                    if (block.Tasks > 1) Parallel.For(0, block.Tasks, block.Run);
                    else block.Run(0);
                }
            }
        }
        finally
        {
            ArrayPool<T>.Shared.Return(packedB);
        }
    }

    static int RoundUp(int x, int multiple) => (x + multiple - 1) / multiple * multiple;

    /// <summary>One packed B block times every MC-row block of A, split into tasks over rows (and columns when rows are few).</summary>
    sealed class BlockJob(int m, int nc, int kc, T alpha, MatrixRef<T> a, int pc, int jc, T[] packedB, T beta, T[] c, int offC, int ldc, bool parallel)
    {
        readonly int rowBlocks = (m + MC - 1) / MC;
        readonly int panels = (nc + NR - 1) / NR;

        // when the row blocks do not share out evenly over the workers, each is also cut into column slices
        // (every slice repacks its A block, a small cost next to its share of the multiply)
        int ColumnSplits => parallel && rowBlocks % Parallelism.Workers != 0 ? Math.Min(Parallelism.Workers, panels) : 1;

        public int Tasks => parallel ? rowBlocks * ColumnSplits : 1;

        public void Run(int task)
        {
            int splits = ColumnSplits;
            int firstBlock = parallel ? task / splits : 0, lastBlock = parallel ? firstBlock + 1 : rowBlocks;
            int split = parallel ? task % splits : 0;
            int firstPanel = panels * split / splits, lastPanel = panels * (split + 1) / splits;
            var packedA = ArrayPool<T>.Shared.Rent(MC * kc);
            try
            {
                for (int blockIndex = firstBlock; blockIndex < lastBlock; blockIndex++)
                {
                    int ic = blockIndex * MC;
                    int mc = Math.Min(MC, m - ic);
                    PackA(a, ic, pc, mc, kc, packedA);
                    Macro(mc, nc, kc, alpha, packedA, packedB, firstPanel, lastPanel, beta, c, offC + ic * ldc + jc, ldc);
                }
            }
            finally
            {
                ArrayPool<T>.Shared.Return(packedA);
            }
        }
    }

    /// <summary>Packs rows i0..i0+mc, columns p0..p0+kc of A as panels [kc][MR], zero-padding the last panel.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void PackA(MatrixRef<T> a, int i0, int p0, int mc, int kc, T[] packed)
    {
        var src = a.Data;
        int rs = a.RowStride, cs = a.ColStride;
        for (int i = 0; i < mc; i += MR)
        {
            int rows = Math.Min(MR, mc - i);
            var panel = packed.AsSpan(i * kc, MR * kc);
            int start = a.Offset + (i0 + i) * rs + p0 * cs;
            if (cs == 1)
            {
                // rows are contiguous: read each one in order
                for (int r = 0; r < rows; r++)
                {
                    var row = src.AsSpan(start + r * rs, kc);
                    for (int p = 0; p < kc; p++) panel[p * MR + r] = row[p];
                }
                for (int r = rows; r < MR; r++)
                    for (int p = 0; p < kc; p++) panel[p * MR + r] = T.Zero;
            }
            else
            {
                for (int p = 0; p < kc; p++)
                {
                    int s = start + p * cs;
                    for (int r = 0; r < rows; r++) panel[p * MR + r] = src[s + r * rs];
                    for (int r = rows; r < MR; r++) panel[p * MR + r] = T.Zero;
                }
            }
        }
    }

    /// <summary>Packs rows p0..p0+kc, columns j0..j0+nc of B as panels [kc][NR], zero-padding the last panel.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void PackB(MatrixRef<T> b, int p0, int j0, int kc, int nc, T[] packed)
    {
        int nr = NR;
        var src = b.Data;
        int rs = b.RowStride, cs = b.ColStride;
        for (int j = 0; j < nc; j += nr)
        {
            int cols = Math.Min(nr, nc - j);
            var panel = packed.AsSpan(j * kc, nr * kc);
            int start = b.Offset + p0 * rs + (j0 + j) * cs;
            if (cs == 1)
            {
                for (int p = 0; p < kc; p++)
                {
                    src.AsSpan(start + p * rs, cols).CopyTo(panel.Slice(p * nr));
                    panel.Slice(p * nr + cols, nr - cols).Clear();
                }
            }
            else
            {
                // columns are contiguous (a transposed B): read each one in order
                for (int col = 0; col < cols; col++)
                {
                    int s = start + col * cs;
                    for (int p = 0; p < kc; p++) panel[p * nr + col] = src[s + p * rs];
                }
                for (int p = 0; p < kc; p++) panel.Slice(p * nr + cols, nr - cols).Clear();
            }
        }
    }

    /// <summary>C block (mc x panels) += packed A block times packed B panels firstPanel..lastPanel.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void Macro(int mc, int nc, int kc, T alpha, T[] packedA, T[] packedB, int firstPanel, int lastPanel, T beta, T[] c, int offC, int ldc)
    {
        int nr = NR;
        Span<T> tile = stackalloc T[MR * nr];
        for (int jp = firstPanel; jp < lastPanel; jp++)
        {
            int j = jp * nr;
            int cols = Math.Min(nr, nc - j);
            ref T bPanel = ref packedB[j * kc];
            for (int i = 0; i < mc; i += MR)
            {
                int rows = Math.Min(MR, mc - i);
                ref T aPanel = ref packedA[i * kc];
                int cIndex = offC + i * ldc + j;
                if (rows == MR && cols == nr)
                {
                    MicroKernel(kc, ref aPanel, ref bPanel, ref c[cIndex], ldc, alpha, beta);
                    continue;
                }
                // an edge tile: compute the full tile aside, then merge the part that exists
                MicroKernel(kc, ref aPanel, ref bPanel, ref tile[0], nr, alpha, T.Zero);
                for (int r = 0; r < rows; r++)
                {
                    var target = c.AsSpan(cIndex + r * ldc, cols);
                    var computed = tile.Slice(r * nr, cols);
                    if (beta == T.Zero) computed.CopyTo(target);
                    else
                        for (int col = 0; col < cols; col++) target[col] = computed[col] + beta * target[col];
                }
            }
        }
    }

    /// <summary>
    /// The register-blocked kernel: an MR x NR tile of A*B over kc steps held in 12 vector accumulators,
    /// then C = alpha * tile + beta * C. Per step: two B vectors loaded, six A values broadcast, twelve FMAs.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void MicroKernel(int kc, ref T a, ref T b, ref T c, int ldc, T alpha, T beta)
    {
        int w = TS.Count;
        TV c00 = TS.Zero, c01 = TS.Zero, c10 = TS.Zero, c11 = TS.Zero, c20 = TS.Zero, c21 = TS.Zero;
        TV c30 = TS.Zero, c31 = TS.Zero, c40 = TS.Zero, c41 = TS.Zero, c50 = TS.Zero, c51 = TS.Zero;
        for (int p = 0; p < kc; p++)
        {
            TV b0 = TS.Load(ref b);
            TV b1 = TS.Load(ref Unsafe.Add(ref b, w));
            TV ai = TS.Splat(a);
            c00 = TS.MulAdd(ai, b0, c00);
            c01 = TS.MulAdd(ai, b1, c01);
            ai = TS.Splat(Unsafe.Add(ref a, 1));
            c10 = TS.MulAdd(ai, b0, c10);
            c11 = TS.MulAdd(ai, b1, c11);
            ai = TS.Splat(Unsafe.Add(ref a, 2));
            c20 = TS.MulAdd(ai, b0, c20);
            c21 = TS.MulAdd(ai, b1, c21);
            ai = TS.Splat(Unsafe.Add(ref a, 3));
            c30 = TS.MulAdd(ai, b0, c30);
            c31 = TS.MulAdd(ai, b1, c31);
            ai = TS.Splat(Unsafe.Add(ref a, 4));
            c40 = TS.MulAdd(ai, b0, c40);
            c41 = TS.MulAdd(ai, b1, c41);
            ai = TS.Splat(Unsafe.Add(ref a, 5));
            c50 = TS.MulAdd(ai, b0, c50);
            c51 = TS.MulAdd(ai, b1, c51);
            a = ref Unsafe.Add(ref a, MR);
            b = ref Unsafe.Add(ref b, 2 * w);
        }
        TV va = TS.Splat(alpha), vb = TS.Splat(beta);
        bool readC = beta != T.Zero;
        StoreRow(ref c, w, c00, c01, va, vb, readC);
        StoreRow(ref Unsafe.Add(ref c, ldc), w, c10, c11, va, vb, readC);
        StoreRow(ref Unsafe.Add(ref c, 2 * ldc), w, c20, c21, va, vb, readC);
        StoreRow(ref Unsafe.Add(ref c, 3 * ldc), w, c30, c31, va, vb, readC);
        StoreRow(ref Unsafe.Add(ref c, 4 * ldc), w, c40, c41, va, vb, readC);
        StoreRow(ref Unsafe.Add(ref c, 5 * ldc), w, c50, c51, va, vb, readC);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void StoreRow(ref T row, int w, TV lo, TV hi, TV alpha, TV beta, bool readC)
    {
        ref T second = ref Unsafe.Add(ref row, w);
        if (readC)
        {
            TS.Store(TS.MulAdd(beta, TS.Load(ref row), TS.Mul(alpha, lo)), ref row);
            TS.Store(TS.MulAdd(beta, TS.Load(ref second), TS.Mul(alpha, hi)), ref second);
        }
        else
        {
            TS.Store(TS.Mul(alpha, lo), ref row);
            TS.Store(TS.Mul(alpha, hi), ref second);
        }
    }
}
