using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DeepGen.Kernels;

/// <summary>
/// GELU and its derivative on 8 float lanes, for machines without fast 512-bit vectors: the form of
/// <see cref="FloatGeluTable"/> with 8 intervals, so that one vpermps (AVX2) picks each coefficient: R(a) is a
/// degree-8 polynomial in a - center on the intervals read off bits 22-24 of a + 1 (exponent and top mantissa bit:
/// [0, 0.5), [0.5, 1), [1, 2), ... [11, 15); R's relative error at most 4.7e-9). Within 3 ulp of the double
/// formula rounded to float, more than 1 ulp off for about 1 in 1800 inputs; it took 28 % less time than the
/// two-form version with a division it replaced (8 lanes, cache-resident, on the AVX-512 machine of the README).
/// </summary>
internal static class FloatGeluTable8
{
    // constant vectors, embedded in the code wherever it is compiled (see FloatGeluTable)
    /// <summary>The interval centers and R's coefficients, highest power first (position ((127 + e) 2 + j) mod 8).</summary>
    static Vector256<float> Center => Vector256.Create(1.5f, 2.5f, 4f, 6f, 9f, 13f, 0.25f, 0.75f);
    static Vector256<float> R8 => Vector256.Create(2.79054475e-05f, 3.34282595e-06f, 2.50738566e-07f, 1.5182458e-08f, 6.86363966e-10f, 3.06960568e-11f, 0.000645582506f, 0.000168151601f);
    static Vector256<float> R7 => Vector256.Create(-0.00010586741f, -1.49153793e-05f, -1.40262614e-06f, -1.09850838e-07f, -6.8068684e-09f, -4.19381335e-10f, -0.00197127112f, -0.000560137676f);
    static Vector256<float> R6 => Vector256.Create(0.00036830359f, 6.23234664e-05f, 7.08657853e-06f, 7.47665922e-07f, 6.0701332e-08f, 5.42422329e-09f, 0.0055834637f, 0.00174538861f);
    static Vector256<float> R5 => Vector256.Create(-0.00126555201f, -0.000257349282f, -3.74667143e-05f, -5.22217033e-06f, -5.89565389e-07f, -7.33084562e-08f, -0.0149968835f, -0.00518254889f);
    static Vector256<float> R4 => Vector256.Create(0.00411035959f, 0.00101760181f, 0.000192758016f, 3.5842746e-05f, 5.688074e-06f, 9.86366331e-07f, 0.0372526869f, 0.0143600032f);
    static Vector256<float> R3 => Vector256.Create(-0.0124970414f, -0.00383113441f, -0.000958738499f, -0.000241184855f, -5.41498739e-05f, -1.31896086e-05f, -0.0843042135f, -0.0366843343f);
    static Vector256<float> R2 => Vector256.Create(0.0351868719f, 0.0136482259f, 0.00460588979f, 0.00159047381f, 0.000510081823f, 0.000175409485f, 0.170086771f, 0.084953256f);
    static Vector256<float> R1 => Vector256.Create(-0.0902712792f, -0.045613952f, -0.0212997142f, -0.0102663944f, -0.00475317985f, -0.00231989194f, -0.295434266f, -0.173767939f);
    static Vector256<float> R0 => Vector256.Create(0.20578067f, 0.14133133f, 0.094410643f, 0.0647793114f, 0.0437987894f, 0.0305094142f, 0.414032102f, 0.30023247f);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Gelu(Vector256<float> x)
    {
        var (a, r, y, k) = Parts(x);
        // x Phi(x) = max(x, 0) - a Phi(-a), as in FloatGeluTable; NaN at -inf, as 0.5 x erfc(-x / sqrt 2) gives
        var result = Avx.Max(x, Vector256<float>.Zero) - ScaleByPowerOfTwo(y * (a * r), k);
        return Vector256.ConditionalSelect(Vector256.Equals(x, Vector256.Create(float.NegativeInfinity)), Vector256.Create(float.NaN), result);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> GeluDerivative(Vector256<float> x)
    {
        var (a, r, y, k) = Parts(x);
        var negative = Vector256.LessThan(x, Vector256<float>.Zero);
        // Phi(x) + x phi(x) = base + exp(-a^2/2) (x / sqrt(2 pi) + R), R negated for x >= 0, x capped as a is
        var tailBase = Vector256.ConditionalSelect(negative, Vector256<float>.Zero, Vector256<float>.One);
        var factor = Vector256.FusedMultiplyAdd(Vector256.CopySign(a, x), Vector256.Create(FloatGeluTable.InverseSqrtTwoPi), Vector256.ConditionalSelect(negative, r, -r));
        var result = tailBase + ScaleByPowerOfTwo(y * factor, k);
        // NaN at infinities, as cdf + x pdf gives
        return Vector256.ConditionalSelect(Vector256.Equals(Vector256.Abs(x), Vector256.Create(float.PositiveInfinity)), Vector256.Create(float.NaN), result);
    }

    /// <summary>a = |x| capped below 15, R(a), and exp(-a^2/2) as y 2^k with y near 1 (as in FloatGeluTable).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static (Vector256<float> A, Vector256<float> R, Vector256<float> Y, Vector256<float> K) Parts(Vector256<float> x)
    {
        // vminps with the cap first returns its second operand, so NaN stays NaN
        var a = Avx.Min(Vector256.Create(FloatGeluTable.Cap), Vector256.Abs(x));
        var position = Vector256.ShiftRightLogical((a + Vector256<float>.One).AsInt32(), 22);
        var d = a - At(Center, position);
        var r = At(R8, position);
        r = MulAdd(r, d, At(R7, position));
        r = MulAdd(r, d, At(R6, position));
        r = MulAdd(r, d, At(R5, position));
        r = MulAdd(r, d, At(R4, position));
        r = MulAdd(r, d, At(R3, position));
        r = MulAdd(r, d, At(R2, position));
        r = MulAdd(r, d, At(R1, position));
        r = MulAdd(r, d, At(R0, position));

        var u = a * a;
        var lo = Vector256.FusedMultiplyAdd(a, a, -u);
        var k = Vector256.Round(u * Vector256.Create(-FloatGeluTable.HalfLog2E));
        var q = Vector256.FusedMultiplyAdd(k, Vector256.Create(FloatGeluTable.TwoLn2Hi), u);
        q = Vector256.FusedMultiplyAdd(k, Vector256.Create(FloatGeluTable.TwoLn2Lo), q) + lo;
        var p = Vector256.Create(FloatGeluTable.ExpP4);
        p = MulAdd(p, q, Vector256.Create(FloatGeluTable.ExpP3));
        p = MulAdd(p, q, Vector256.Create(FloatGeluTable.ExpP2));
        p = MulAdd(p, q, Vector256.Create(FloatGeluTable.ExpP1));
        p = MulAdd(p, q, Vector256.Create(FloatGeluTable.ExpP0));
        p = MulAdd(p, q, Vector256.Create(-0.5f));
        return (a, r, MulAdd(p, q, Vector256<float>.One), k);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector256<float> MulAdd(Vector256<float> a, Vector256<float> b, Vector256<float> c) => Vector256.FusedMultiplyAdd(a, b, c);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector256<float> At(Vector256<float> table, Vector256<int> position) => Avx2.PermuteVar8x32(table, position);

    /// <summary>y 2^k for integral k in [-163, 0], rounded once (so a subnormal result is rounded correctly).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector256<float> ScaleByPowerOfTwo(Vector256<float> y, Vector256<float> k)
    {
        if (Avx512F.VL.IsSupported)
            return Avx512F.VL.Scale(y, k);

        // two normal factors: the first product is exact, the second rounds once
        var k1 = Vector256.Ceiling(k * 0.5f);
        return y * PowerOfTwo(k1) * PowerOfTwo(k - k1);
    }

    /// <summary>2^k for integral k in [-126, 127], built from its exponent bits (1.5 * 2^23 + k has k in its low bits).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector256<float> PowerOfTwo(Vector256<float> k) =>
        Vector256.ShiftLeft((k + Vector256.Create(12582912f + 127f)).AsInt32() - Vector256.Create(0x4B400000), 23).AsSingle();
}
