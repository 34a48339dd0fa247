using System.Numerics;
using System.Runtime.CompilerServices;

namespace DeepGen.Kernels;

/// <summary>
/// The cache-blocked GEMM (the Goto/BLIS scheme). K is cut into blocks of about KC; for each block, A is
/// packed into panels MR rows tall and B into panels NR columns wide, so the register-blocked micro-kernel
/// streams both from contiguous, cache-line-aligned memory whatever the operands' strides (transposed
/// operands cost nothing extra). Edges are zero-padded in the packs.
/// <para>
/// Work is shared out as tiles of C (a block of A's row panels times a block of B's column panels), taken
/// by threads as they come free, so a core slowed by other load simply takes fewer tiles. Each packed
/// block is packed once, by the first tile that needs it; tiles that need it meanwhile wait for it.
/// Small problems pack all of K in one phase: every block first, all threads sharing the packing, then
/// the tiles, so the product is two loops over the <see cref="WorkerTeam"/> and no tile waits.
/// </para>
/// </summary>
internal static partial class GemmBlocked<TS, TV, T>
    where TS : struct, ISimd<TV, T> where TV : struct where T : unmanaged, INumber<T>
{
    // Register tile: MR rows by two vectors. AVX-512's 32 registers hold 12 x 2 accumulators; narrower
    // instruction sets (16 registers) 6 x 2.
    static bool WideRegisterFile => typeof(TS) == typeof(Simd512<T>);
    static int MR => WideRegisterFile ? 12 : 6;
    static int NR => 2 * TS.Count;

    // Cache blocks: a B panel (KC x NR, 32 KiB for float with AVX-512) stays in L1 while the tile's A panels
    // (up to MCPanels x MR x KC) stream from L2; the packed B block (KC x NC) is shared by all threads.
    const int KC = 256;
    const int MCPanels = 16;
    static int NC => 64 * NR;

    /// <summary>Problems whose packed operands fit in this many elements pack all of K in one phase.</summary>
    const int SinglePhaseElements = 1 << 19;

    [ThreadStatic] static PackBuffer<T>? packedASlot;
    [ThreadStatic] static PackBuffer<T>? packedBSlot;

    public static void Run(int m, int n, int k, T alpha, MatrixRef<T> a, MatrixRef<T> b, T beta, T[] c, int offC, int ldc, bool parallel,
        GemmEpilogue<T> epilogue = default)
    {
        int kBlocks = (k + KC - 1) / KC;
        for (int jc = 0; jc < n; jc += NC)
        {
            int nc = Math.Min(NC, n - jc);
            int blocksPerPhase = (long)(RoundUp(m, MR) + RoundUp(nc, NR)) * k <= SinglePhaseElements ? kBlocks : 1;
            for (int kb = 0; kb < kBlocks; kb += blocksPerPhase)
            {
                var phase = new Phase(m, nc, k, kBlocks, kb, Math.Min(kBlocks, kb + blocksPerPhase), alpha, a, b, jc, beta, c, offC, ldc,
                    epilogue, parallel);
                phase.Execute();
            }
        }
    }

    static int RoundUp(int x, int multiple) => (x + multiple - 1) / multiple * multiple;

    /// <summary>Where K block <paramref name="block"/> of <paramref name="blocks"/> starts: K is cut evenly, not KC, KC, ..., remainder.</summary>
    static int KStart(int k, int blocks, int block) => (int)((long)k * block / blocks);

    /// <summary>
    /// K blocks firstBlock..endBlock of the product for columns jc..jc+nc: packs them (on demand) and
    /// multiplies, tile by tile.
    /// </summary>
    sealed class Phase
    {
        readonly int m, nc, k, kBlocks, firstBlock, endBlock, jc, offC, ldc;
        readonly T alpha, beta;
        readonly MatrixRef<T> a, b;
        readonly T[] c;
        readonly GemmEpilogue<T> epilogue;
        readonly int mPanels, nPanels, rowBlocks, colBlocks, paddedM, paddedN, phaseStart;
        readonly PackBuffer<T> packedA, packedB;
        // per (K block, row block) and (K block, column block): 0 = not packed, 1 = being packed, 2 = packed
        readonly int[] aState, bState;
        readonly bool parallel;

        public Phase(int m, int nc, int k, int kBlocks, int firstBlock, int endBlock, T alpha, MatrixRef<T> a, MatrixRef<T> b, int jc,
            T beta, T[] c, int offC, int ldc, GemmEpilogue<T> epilogue, bool parallel)
        {
            (this.m, this.nc, this.k, this.kBlocks, this.firstBlock, this.endBlock) = (m, nc, k, kBlocks, firstBlock, endBlock);
            (this.alpha, this.a, this.b, this.jc, this.beta, this.c, this.offC, this.ldc, this.epilogue) = (alpha, a, b, jc, beta, c, offC, ldc, epilogue);
            mPanels = (m + MR - 1) / MR;
            nPanels = (nc + NR - 1) / NR;
            paddedM = mPanels * MR;
            paddedN = nPanels * NR;
            phaseStart = KStart(k, kBlocks, firstBlock);
            int phaseDepth = KStart(k, kBlocks, endBlock) - phaseStart;
            this.parallel = parallel;
            (rowBlocks, colBlocks) = Tiling(parallel);
            packedA = PackBuffer<T>.Get(ref packedASlot, paddedM * phaseDepth);
            packedB = PackBuffer<T>.Get(ref packedBSlot, paddedN * phaseDepth);
            aState = new int[(endBlock - firstBlock) * rowBlocks];
            bState = new int[(endBlock - firstBlock) * colBlocks];
        }

        /// <summary>
        /// Row blocks of at most MCPanels panels; in parallel, at least four tiles per worker (cutting columns
        /// too when rows run out), in a multiple of the worker count so that an even share exists. Row blocks
        /// often differ by a panel (128 rows are 11 panels of 12); more, smaller tiles shorten the wait for
        /// the last one.
        /// </summary>
        (int Rows, int Cols) Tiling(bool parallel)
        {
            int rows = (mPanels + MCPanels - 1) / MCPanels;
            if (!parallel) return (rows, 1);
            int workers = Parallelism.Workers;
            rows = Math.Min(mPanels, RoundUp(rows, workers));
            int cols = 1;
            while (rows * cols < 4 * workers && cols < nPanels) cols++;
            return (rows, cols);
        }

        public void Execute()
        {
            int tiles = rowBlocks * colBlocks;
            if (!parallel || tiles == 1)
            {
                // the caller's choice (too small, or already inside a parallel loop): tiles in order, packing on demand
                for (int tile = 0; tile < tiles; tile++) RunTile(tile);
                return;
            }
            // a product packed in one phase (a small one) packs every block first, all threads together: its
            // tiles are few and short, and ones taken at the same time often need the same block, so on-demand
            // packing left a thread spinning while another packed
            if (endBlock - firstBlock == kBlocks) WorkerTeam.For(kBlocks * (rowBlocks + colBlocks), PackBlock);
            WorkerTeam.For(tiles, RunTile);
        }

        /// <summary>Packs one block of A or B, K block by K block: index = K block * (row blocks + column blocks) + A row block or rowBlocks + B column block.</summary>
        void PackBlock(int index)
        {
            int perBlock = rowBlocks + colBlocks;
            int block = firstBlock + index / perBlock, which = index % perBlock;
            if (which < rowBlocks) EnsureAPacked(block, which);
            else EnsureBPacked(block, which - rowBlocks);
        }

        void RunTile(int tile)
        {
            // tiles are taken in order, so consecutive ones take different row blocks: the first ones to run
            // pack different parts of A
            int rowBlock = tile % rowBlocks, colBlock = tile / rowBlocks;
            int firstRowPanel = mPanels * rowBlock / rowBlocks, endRowPanel = mPanels * (rowBlock + 1) / rowBlocks;
            int firstColPanel = nPanels * colBlock / colBlocks, endColPanel = nPanels * (colBlock + 1) / colBlocks;
            for (int block = firstBlock; block < endBlock; block++)
            {
                EnsureAPacked(block, rowBlock);
                EnsureBPacked(block, colBlock);
                var (_, kc, aBase, bBase) = BlockPlace(block);
                var store = new TileStore(alpha, block == 0 ? beta : T.One, block == kBlocks - 1 ? epilogue : default);
                Macro(kc, packedA.Array, aBase, firstRowPanel, endRowPanel, packedB.Array, bBase, firstColPanel, endColPanel, store);
            }
        }

        /// <summary>Where K block <paramref name="block"/> starts and how deep it is, and where its packed A and B panels start.</summary>
        (int P0, int Kc, int ABase, int BBase) BlockPlace(int block)
        {
            int p0 = KStart(k, kBlocks, block), kc = KStart(k, kBlocks, block + 1) - p0;
            // a K block's panels sit one after another, after the earlier blocks of this phase
            return (p0, kc, packedA.Start + paddedM * (p0 - phaseStart), packedB.Start + paddedN * (p0 - phaseStart));
        }

        /// <summary>Packs A's row block for K block <paramref name="block"/> unless it is packed (waiting if another thread is at it).</summary>
        void EnsureAPacked(int block, int rowBlock)
        {
            ref int state = ref aState[(block - firstBlock) * rowBlocks + rowBlock];
            if (!ClaimPacking(ref state)) return;
            var (p0, kc, aBase, _) = BlockPlace(block);
            int i0 = mPanels * rowBlock / rowBlocks * MR, rows = Math.Min(m, mPanels * (rowBlock + 1) / rowBlocks * MR) - i0;
            Publish(ref state, () => PackA(a, i0, p0, rows, kc, packedA.Array, aBase + i0 * kc));
        }

        /// <summary>Packs B's column block for K block <paramref name="block"/> unless it is packed (waiting if another thread is at it).</summary>
        void EnsureBPacked(int block, int colBlock)
        {
            ref int state = ref bState[(block - firstBlock) * colBlocks + colBlock];
            if (!ClaimPacking(ref state)) return;
            var (p0, kc, _, bBase) = BlockPlace(block);
            int j0 = nPanels * colBlock / colBlocks * NR, cols = Math.Min(nc, nPanels * (colBlock + 1) / colBlocks * NR) - j0;
            Publish(ref state, () => PackB(b, p0, jc + j0, kc, cols, packedB.Array, bBase + j0 * kc));
        }

        const int Claimed = 1, Packed = 2, Failed = 3;

        /// <summary>
        /// True when the caller is the first to need this block and must pack it (through <see cref="Publish"/>);
        /// false once it is packed, after waiting for the tile that is packing it, if any.
        /// </summary>
        static bool ClaimPacking(ref int state)
        {
            if (Volatile.Read(ref state) == Packed) return false;
            if (Interlocked.CompareExchange(ref state, Claimed, 0) == 0) return true;
            var spin = new SpinWait();
            int now;
            // never Sleep(1): a millisecond is longer than packing a block, or than a whole 512x512 product
            while ((now = Volatile.Read(ref state)) == Claimed) spin.SpinOnce(sleep1Threshold: -1);
            // the packing tile threw: its exception is the one reported, this tile just stops
            if (now == Failed) throw new OperationCanceledException("gemm: packing an operand block failed in another tile");
            return false;
        }

        /// <summary>Packs a claimed block and marks it packed, or failed (so tiles waiting for it stop) if packing throws.</summary>
        static void Publish(ref int state, Action pack)
        {
            try
            {
                pack();
                Volatile.Write(ref state, Packed);
            }
            catch
            {
                Volatile.Write(ref state, Failed);
                throw;
            }
        }

        /// <summary>The row panels times the column panels of one K block, each B panel reused across all the A panels while in L1.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        void Macro(int kc, T[] pa, int aBase, int firstRowPanel, int endRowPanel, T[] pb, int bBase, int firstColPanel, int endColPanel, in TileStore store)
        {
            int mr = MR, nr = NR;
            for (int jp = firstColPanel; jp < endColPanel; jp++)
            {
                int j = jp * nr;
                int cols = Math.Min(nr, nc - j);
                for (int ip = firstRowPanel; ip < endRowPanel; ip++)
                {
                    int i = ip * mr;
                    int rows = Math.Min(mr, m - i);
                    MicroTile(kc, ref pa[aBase + i * kc], ref pb[bBase + j * kc], c, offC + i * ldc + jc + j, ldc, rows, cols, jc + j, store);
                }
            }
        }
    }
}
