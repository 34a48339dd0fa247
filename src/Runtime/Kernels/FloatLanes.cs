using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DeepGen.Kernels;

/// <summary>
/// The float-lane operations <see cref="FloatGeluDivided"/> is written over (the runtime's own ISimdVector is not
/// public), implemented for Vector256&lt;float&gt; by <see cref="Lanes256"/>. Implementations are structs, so a
/// generic method over them is compiled once per width with every call inlined.
/// </summary>
internal interface IFloatLanes<TV> where TV : struct
{
    static abstract TV Splat(float value);
    static abstract TV Add(TV a, TV b);
    static abstract TV Subtract(TV a, TV b);
    static abstract TV Multiply(TV a, TV b);
    static abstract TV Divide(TV a, TV b);
    /// <summary>a * b + c, rounded once.</summary>
    static abstract TV MulAdd(TV a, TV b, TV c);
    /// <summary>The smaller of x and cap, NaN where x is NaN (one vminps with cap first: it returns its second operand on NaN).</summary>
    static abstract TV AtMost(TV x, TV cap);
    static abstract TV Abs(TV x);
    static abstract TV Round(TV x);
    static abstract TV LessThan(TV a, TV b);
    static abstract TV LessThanOrEqual(TV a, TV b);
    static abstract TV GreaterThanOrEqual(TV a, TV b);
    /// <summary>a where mask's lane is all ones, b where it is zero.</summary>
    static abstract TV Select(TV mask, TV a, TV b);
    /// <summary>y 2^k for integral k in [-163, 0], rounded once (so a subnormal result is rounded correctly).</summary>
    static abstract TV ScaleByPowerOfTwo(TV y, TV k);
}

internal readonly struct Lanes256 : IFloatLanes<Vector256<float>>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Splat(float value) => Vector256.Create(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Add(Vector256<float> a, Vector256<float> b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Subtract(Vector256<float> a, Vector256<float> b) => a - b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Multiply(Vector256<float> a, Vector256<float> b) => a * b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Divide(Vector256<float> a, Vector256<float> b) => a / b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> MulAdd(Vector256<float> a, Vector256<float> b, Vector256<float> c) => Vector256.FusedMultiplyAdd(a, b, c);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> AtMost(Vector256<float> x, Vector256<float> cap) => Avx.IsSupported ? Avx.Min(cap, x) : Vector256.Min(x, cap);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Abs(Vector256<float> x) => Vector256.Abs(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Round(Vector256<float> x) => Vector256.Round(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> LessThan(Vector256<float> a, Vector256<float> b) => Vector256.LessThan(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> LessThanOrEqual(Vector256<float> a, Vector256<float> b) => Vector256.LessThanOrEqual(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> GreaterThanOrEqual(Vector256<float> a, Vector256<float> b) => Vector256.GreaterThanOrEqual(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Select(Vector256<float> mask, Vector256<float> a, Vector256<float> b) => Vector256.ConditionalSelect(mask, a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> ScaleByPowerOfTwo(Vector256<float> y, Vector256<float> k)
    {
        if (Avx512F.VL.IsSupported)
        {
            return Avx512F.VL.Scale(y, k);
        }

        // two normal factors: the first product is exact, the second rounds once
        var k1 = Vector256.Ceiling(k * 0.5f);
        return y * PowerOfTwo(k1) * PowerOfTwo(k - k1);
    }

    /// <summary>2^k for integral k in [-126, 127], built from its exponent bits (1.5 * 2^23 + k has k in its low bits).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector256<float> PowerOfTwo(Vector256<float> k) =>
        Vector256.ShiftLeft((k + Vector256.Create(12582912f + 127f)).AsInt32() - Vector256.Create(0x4B400000), 23).AsSingle();
}
