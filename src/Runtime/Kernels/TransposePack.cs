using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DeepGen.Kernels;

/// <summary>
/// GEMM packing where the packed layout is the transpose of the source's: A stored row-major (each of a
/// panel's rows is contiguous along K) and B stored column-major (Linear's Wᵀ: each column contiguous
/// along K). The scalar packs move one element per load and store; these transpose 16 x 16 float blocks
/// in AVX-512 registers (unpacks and 128-bit lane shuffles), sixteen elements per store.
/// </summary>
internal static class TransposePack
{
    public static bool Applies<T>() => typeof(T) == typeof(float) && Avx512F.IsSupported;

    /// <summary>
    /// Packs lanes (at most 16) source lines of kc floats, line l at src[origin + l * lineStride + p],
    /// as packed[start + p * width + l] for p in [0, kc): A's rows into an MR-wide panel, or B's
    /// columns into an NR-wide panel, 16 lines at a time. Lines missing from a group of 16 read as zero.
    /// The caller has checked that every element read lies inside <paramref name="src"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void Lines(float[] src, int origin, int lineStride, int lines, int kc, float[] packed, int start, int width)
    {
        fixed (float* s = src)
        fixed (float* d = packed)
        {
            for (int l0 = 0; l0 < lines; l0 += 16)
            {
                int count = Math.Min(16, lines - l0);
                float* first = s + origin + (long)l0 * lineStride;
                float* target = d + start + l0;
                int p = 0;
                for (; p + 16 <= kc; p += 16) Block(first, lineStride, count, p, target, width);
                for (; p < kc; p++)
                    for (int l = 0; l < count; l++) target[p * width + l] = first[(long)l * lineStride + p];
            }
        }
    }

    /// <summary>Columns p..p+15 of <paramref name="count"/> lines, transposed into 16 rows of the panel.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static unsafe void Block(float* first, int lineStride, int count, int p, float* target, int width)
    {
        float* at = first + p;
        // stage 1 and 2, per group of four lines: qgm holds, in each 128-bit lane b, elements 4b + m of lines 4g..4g+3
        Quad(Line(at, lineStride, 0, count), Line(at, lineStride, 1, count), Line(at, lineStride, 2, count), Line(at, lineStride, 3, count),
            out var q00, out var q01, out var q02, out var q03);
        Quad(Line(at, lineStride, 4, count), Line(at, lineStride, 5, count), Line(at, lineStride, 6, count), Line(at, lineStride, 7, count),
            out var q10, out var q11, out var q12, out var q13);
        Quad(Line(at, lineStride, 8, count), Line(at, lineStride, 9, count), Line(at, lineStride, 10, count), Line(at, lineStride, 11, count),
            out var q20, out var q21, out var q22, out var q23);
        Quad(Line(at, lineStride, 12, count), Line(at, lineStride, 13, count), Line(at, lineStride, 14, count), Line(at, lineStride, 15, count),
            out var q30, out var q31, out var q32, out var q33);

        // stage 3 and 4: lane b of the four groups side by side is element 4b + m of all sixteen lines
        float* row = target + p * width;
        Columns(q00, q10, q20, q30, row, width, count);
        Columns(q01, q11, q21, q31, row + width, width, count);
        Columns(q02, q12, q22, q32, row + 2 * width, width, count);
        Columns(q03, q13, q23, q33, row + 3 * width, width, count);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static unsafe Vector512<float> Line(float* at, int lineStride, int line, int count) =>
        line < count ? Vector512.Load(at + (long)line * lineStride) : Vector512<float>.Zero;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Quad(Vector512<float> r0, Vector512<float> r1, Vector512<float> r2, Vector512<float> r3,
        out Vector512<float> m0, out Vector512<float> m1, out Vector512<float> m2, out Vector512<float> m3)
    {
        var t0 = Avx512F.UnpackLow(r0, r1).AsDouble();
        var t1 = Avx512F.UnpackHigh(r0, r1).AsDouble();
        var t2 = Avx512F.UnpackLow(r2, r3).AsDouble();
        var t3 = Avx512F.UnpackHigh(r2, r3).AsDouble();
        m0 = Avx512F.UnpackLow(t0, t2).AsSingle();
        m1 = Avx512F.UnpackHigh(t0, t2).AsSingle();
        m2 = Avx512F.UnpackLow(t1, t3).AsSingle();
        m3 = Avx512F.UnpackHigh(t1, t3).AsSingle();
    }

    /// <summary>From the four groups' vectors for one m, packed rows m, 4 + m, 8 + m and 12 + m (the first at <paramref name="row"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static unsafe void Columns(Vector512<float> g0, Vector512<float> g1, Vector512<float> g2, Vector512<float> g3, float* row, int width, int count)
    {
        var even01 = Avx512F.Shuffle4x128(g0, g1, 0x88);
        var odd01 = Avx512F.Shuffle4x128(g0, g1, 0xDD);
        var even23 = Avx512F.Shuffle4x128(g2, g3, 0x88);
        var odd23 = Avx512F.Shuffle4x128(g2, g3, 0xDD);
        Store(Avx512F.Shuffle4x128(even01, even23, 0x88), row, count);
        Store(Avx512F.Shuffle4x128(odd01, odd23, 0x88), row + 4 * width, count);
        Store(Avx512F.Shuffle4x128(even01, even23, 0xDD), row + 8 * width, count);
        Store(Avx512F.Shuffle4x128(odd01, odd23, 0xDD), row + 12 * width, count);
    }

    /// <summary>The first <paramref name="count"/> lanes of <paramref name="v"/>: whole vectors where they fit, so the neighbouring packed row is never touched.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static unsafe void Store(Vector512<float> v, float* target, int count)
    {
        if (count == 16)
        {
            v.Store(target);
            return;
        }
        int l = 0;
        if (count >= 8)
        {
            v.GetLower().Store(target);
            l = 8;
        }
        if (count - l >= 4)
        {
            (l == 0 ? v.GetLower().GetLower() : v.GetUpper().GetLower()).Store(target + l);
            l += 4;
        }
        for (; l < count; l++) target[l] = v.GetElement(l);
    }
}
