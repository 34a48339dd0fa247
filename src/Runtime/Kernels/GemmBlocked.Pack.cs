using System.Runtime.CompilerServices;

namespace DeepGen.Kernels;

// Packing: copying a block of A or B into the panel layout the micro-kernel reads in order.
internal static partial class GemmBlocked<TS, TV, T>
{
    /// <summary>
    /// Packs rows i0..i0+rows, columns p0..p0+kc of A at packed[start..] as panels [kc][MR] (element (r, p)
    /// of a panel at p * MR + r), zero-padding the last panel's missing rows.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void PackA(MatrixRef<T> a, int i0, int p0, int rows, int kc, T[] packed, int start)
    {
        int mr = MR;
        int rs = a.RowStride, cs = a.ColStride;
        ref T src = ref a.Data[0];
        for (int i = 0; i < rows; i += mr)
        {
            int panelRows = Math.Min(mr, rows - i);
            var panel = packed.AsSpan(start + i * kc, mr * kc);
            ref T dst = ref panel[0];
            int origin = a.Offset + (i0 + i) * rs + p0 * cs;
            if (panelRows < mr) panel.Clear();
            // whichever of the two walks is contiguous in the source goes innermost
            if (cs == 1 && TransposePack.Applies<T>() && Inside(a.Data, origin, rs, panelRows, kc))
            {
                TransposePack.Lines(Unsafe.As<float[]>(a.Data), origin, rs, panelRows, kc, Unsafe.As<float[]>(packed), start + i * kc, mr);
            }
            else if (cs == 1)
            {
                for (int r = 0; r < panelRows; r++)
                {
                    // bounds checked once per row; the loop below reads it unchecked
                    _ = a.Data.AsSpan(origin + r * rs, kc);
                    ref T row = ref Unsafe.Add(ref src, origin + r * rs);
                    for (int p = 0; p < kc; p++) Unsafe.Add(ref dst, p * mr + r) = Unsafe.Add(ref row, p);
                }
            }
            else if (rs == 1 && panelRows == mr && Inside(a.Data, origin, cs, kc, mr))
            {
                // A transposed (a weight gradient's dYᵀ): each K step's MR rows are contiguous, one block move
                for (int p = 0; p < kc; p++)
                {
                    Unsafe.CopyBlockUnaligned(ref Unsafe.As<T, byte>(ref Unsafe.Add(ref dst, p * mr)),
                        ref Unsafe.As<T, byte>(ref Unsafe.Add(ref src, origin + p * cs)), (uint)(mr * Unsafe.SizeOf<T>()));
                }
            }
            else
            {
                for (int p = 0; p < kc; p++)
                {
                    int s = origin + p * cs;
                    _ = a.Data[s + (panelRows - 1) * rs];
                    ref T column = ref Unsafe.Add(ref src, s);
                    ref T target = ref Unsafe.Add(ref dst, p * mr);
                    for (int r = 0; r < panelRows; r++) Unsafe.Add(ref target, r) = Unsafe.Add(ref column, r * rs);
                }
            }
        }
    }

    /// <summary>
    /// Packs rows p0..p0+kc, columns j0..j0+cols of B at packed[start..] as panels [kc][NR] (element (p, c)
    /// of a panel at p * NR + c), zero-padding the last panel's missing columns.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void PackB(MatrixRef<T> b, int p0, int j0, int kc, int cols, T[] packed, int start)
    {
        int nr = NR;
        int rs = b.RowStride, cs = b.ColStride;
        ref T src = ref b.Data[0];
        for (int j = 0; j < cols; j += nr)
        {
            int panelCols = Math.Min(nr, cols - j);
            var panel = packed.AsSpan(start + j * kc, nr * kc);
            ref T dst = ref panel[0];
            int origin = b.Offset + p0 * rs + (j0 + j) * cs;
            if (panelCols < nr) panel.Clear();
            if (cs == 1 && panelCols == nr && Inside(b.Data, origin, rs, kc, nr))
            {
                // a full panel row is two vectors: moved in registers, not by a Memmove call per 32 floats
                for (int p = 0; p < kc; p++)
                {
                    ref T row = ref Unsafe.Add(ref src, origin + p * rs);
                    ref T target = ref Unsafe.Add(ref dst, p * nr);
                    TS.Store(TS.Load(ref row), ref target);
                    TS.Store(TS.Load(ref Unsafe.Add(ref row, TS.Count)), ref Unsafe.Add(ref target, TS.Count));
                }
            }
            else if (cs == 1)
            {
                for (int p = 0; p < kc; p++)
                    b.Data.AsSpan(origin + p * rs, panelCols).CopyTo(panel.Slice(p * nr, panelCols));
            }
            else if (rs == 1 && TransposePack.Applies<T>() && Inside(b.Data, origin, cs, panelCols, kc))
            {
                // columns are contiguous (Linear's Wᵀ read in place): sixteen of them transposed at a time
                TransposePack.Lines(Unsafe.As<float[]>(b.Data), origin, cs, panelCols, kc, Unsafe.As<float[]>(packed), start + j * kc, nr);
            }
            else if (panelCols == nr && GatherPack.TryPanel(b.Data, origin, rs, cs, kc, nr, packed, start + j * kc))
            {
                // a full panel of a strided B, sixteen columns per gather instruction
            }
            else
            {
                // columns are contiguous (a transposed B): read each one in order
                for (int col = 0; col < panelCols; col++)
                {
                    int s = origin + col * cs;
                    _ = b.Data.AsSpan(s + (kc - 1) * rs, 1);
                    ref T column = ref Unsafe.Add(ref src, s);
                    ref T target = ref Unsafe.Add(ref dst, col);
                    for (int p = 0; p < kc; p++) Unsafe.Add(ref target, p * nr) = Unsafe.Add(ref column, p * rs);
                }
            }
        }
    }

    /// <summary>True when lines 0..lines-1 of length kc, line l at data[origin + l * lineStride], all lie inside <paramref name="data"/>.</summary>
    static bool Inside(T[] data, int origin, int lineStride, int lines, int kc) =>
        origin >= 0 && lineStride >= 0 && origin + (long)(lines - 1) * lineStride + kc <= data.Length;
}
