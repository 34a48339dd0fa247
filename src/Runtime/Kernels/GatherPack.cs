using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DeepGen.Kernels;

/// <summary>
/// Packs a panel of a B whose columns are strided (Linear's Wᵀ read in place) with AVX2 gathers: each
/// eight floats (four doubles) of a packed row are one gather, instead of one scalar load and store per
/// element. Linear's weight is packed again on every call, so this pass is a real share of a small GEMM.
/// </summary>
internal static class GatherPack
{
    /// <summary>
    /// Writes element (p, c) of the kc x nr block at src[origin + p * rs + c * cs] to
    /// packed[start + p * nr + c]; false (writing nothing) where gathers do not apply.
    /// </summary>
    public static bool TryPanel<T>(T[] src, int origin, int rs, int cs, int kc, int nr, T[] packed, int start) where T : unmanaged
    {
        if (!Avx2.IsSupported || (typeof(T) != typeof(float) && typeof(T) != typeof(double))) return false;
        int lanes = Vector256<byte>.Count / Unsafe.SizeOf<T>();
        // 32-bit gather offsets, and every element read and written inside its array
        long last = origin + (long)(kc - 1) * rs + (long)(nr - 1) * cs;
        if (nr % lanes != 0 || (long)(nr - 1) * cs > int.MaxValue || origin < 0 || last >= src.Length || start + kc * nr > packed.Length)
            return false;
        if (typeof(T) == typeof(float))
            Floats(Unsafe.As<float[]>(src), origin, rs, cs, kc, nr, Unsafe.As<float[]>(packed), start);
        else
            Doubles(Unsafe.As<double[]>(src), origin, rs, cs, kc, nr, Unsafe.As<double[]>(packed), start);
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static unsafe void Floats(float[] src, int origin, int rs, int cs, int kc, int nr, float[] packed, int start)
    {
        var offsets = Vector256.CreateSequence(0, cs);
        fixed (float* s = src)
        fixed (float* d = packed)
            for (int p = 0; p < kc; p++)
            {
                float* row = s + origin + (long)p * rs;
                float* target = d + start + p * nr;
                for (int c = 0; c < nr; c += 8)
                    Avx2.GatherVector256(row + (long)c * cs, offsets, 4).Store(target + c);
            }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static unsafe void Doubles(double[] src, int origin, int rs, int cs, int kc, int nr, double[] packed, int start)
    {
        var offsets = Vector128.CreateSequence(0, cs);
        fixed (double* s = src)
        fixed (double* d = packed)
            for (int p = 0; p < kc; p++)
            {
                double* row = s + origin + (long)p * rs;
                double* target = d + start + p * nr;
                for (int c = 0; c < nr; c += 4)
                    Avx2.GatherVector256(row + (long)c * cs, offsets, 8).Store(target + c);
            }
    }
}
