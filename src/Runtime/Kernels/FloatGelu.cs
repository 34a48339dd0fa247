using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace DeepGen.Kernels;

/// <summary>
/// Exact GELU, x Phi(x), and its derivative Phi(x) + x phi(x) on float lanes in float arithmetic (no widening
/// to double). Where 512-bit vectors are accelerated, both widths run <see cref="FloatGeluTable"/> (8 lanes
/// widened to 16), so a fused kernel's 16-lane loop and its 8-lane rest give the same bits; elsewhere 8 lanes
/// run <see cref="FloatGeluTable8"/>.
/// </summary>
internal static class FloatGelu
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Gelu(Vector256<float> x) =>
        Vector512.IsHardwareAccelerated ? FloatGeluTable.Gelu(x.ToVector512Unsafe()).GetLower() : FloatGeluTable8.Gelu(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Gelu(Vector512<float> x) => FloatGeluTable.Gelu(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> GeluDerivative(Vector256<float> x) =>
        Vector512.IsHardwareAccelerated ? FloatGeluTable.GeluDerivative(x.ToVector512Unsafe()).GetLower() : FloatGeluTable8.GeluDerivative(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> GeluDerivative(Vector512<float> x) => FloatGeluTable.GeluDerivative(x);
}
