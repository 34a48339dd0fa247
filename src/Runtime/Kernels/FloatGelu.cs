using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DeepGen.Kernels;

/// <summary>
/// Exact GELU, x Phi(x), and its derivative Phi(x) + x phi(x) on float lanes in float arithmetic (no widening
/// to double). Where 512-bit vectors are accelerated, both widths run the 16-lane forms (8 lanes widened to 16, the
/// upper half zero): GELU by <see cref="FloatGeluDirect"/>, its derivative by <see cref="FloatGeluTable"/>, so a
/// fused kernel's 16-lane loop and its 8-lane rest give the same bits; elsewhere 8 lanes
/// run <see cref="FloatGeluTable8"/> (AVX2), and 16 lanes its form on each half. Without AVX2 (other CPUs, or
/// <c>DOTNET_EnableAVX2=0</c>) each lane goes through the scalar functions: the kernels do not take their vector
/// loops there, but the vector functions are public through <c>Pw</c> and must not throw.
/// </summary>
internal static class FloatGelu
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Gelu(Vector256<float> x) =>
        // zeros above, not whatever the register held: FloatGeluDirect takes a slower path for any lane beyond 7
        Vector512.IsHardwareAccelerated ? FloatGeluDirect.Gelu(x.ToVector512()).GetLower()
        : Avx2.IsSupported ? FloatGeluTable8.Gelu(x)
        : ByLane(x, derivative: false);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Gelu(Vector512<float> x) =>
        Avx512F.IsSupported ? FloatGeluDirect.Gelu(x) : Vector512.Create(Gelu(x.GetLower()), Gelu(x.GetUpper()));

    /// <summary>GELU with <see cref="FloatGeluDirect"/>'s tables given (a loop that keeps them in registers: <see cref="FloatGeluDirect.Tables"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Gelu(Vector256<float> x, in FloatGeluDirect.Tables tables) =>
        Vector512.IsHardwareAccelerated ? FloatGeluDirect.Gelu(x.ToVector512(), tables).GetLower()
        : Avx2.IsSupported ? FloatGeluTable8.Gelu(x)
        : ByLane(x, derivative: false);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Gelu(Vector512<float> x, in FloatGeluDirect.Tables tables) =>
        Avx512F.IsSupported ? FloatGeluDirect.Gelu(x, tables) : Vector512.Create(Gelu(x.GetLower(), tables), Gelu(x.GetUpper(), tables));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> GeluDerivative(Vector256<float> x) =>
        Vector512.IsHardwareAccelerated ? FloatGeluTable.GeluDerivative(x.ToVector512Unsafe()).GetLower()
        : Avx2.IsSupported ? FloatGeluTable8.GeluDerivative(x)
        : ByLane(x, derivative: true);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> GeluDerivative(Vector512<float> x) =>
        Avx512F.IsSupported ? FloatGeluTable.GeluDerivative(x) : Vector512.Create(GeluDerivative(x.GetLower()), GeluDerivative(x.GetUpper()));

    /// <summary>The scalar GELU (or its derivative) of each lane.</summary>
    static Vector256<float> ByLane(Vector256<float> x, bool derivative)
    {
        Span<float> lanes = stackalloc float[Vector256<float>.Count];
        x.CopyTo(lanes);
        for (int i = 0; i < lanes.Length; i++) lanes[i] = derivative ? GeluBackwardFn.Apply(1f, lanes[i]) : GeluFn.Apply(lanes[i]);
        return Vector256.Create<float>(lanes);
    }
}
