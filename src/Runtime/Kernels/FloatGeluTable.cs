using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DeepGen.Kernels;

/// <summary>
/// GELU's derivative, Phi(x) + x phi(x), on 16 float lanes with AVX-512, by table: for a = |x|,
/// Phi(-a) = R(a) exp(-a^2/2) with R(a) = Phi(-a) e^(a^2/2), a smooth function that falls from 0.5 like
/// 1 / (a sqrt(2 pi)). R is a degree-6 polynomial in a - center on 16 intervals whose coefficients one vpermps
/// per coefficient picks per lane (a single-register permute: the 32-interval degree-5 version with two-register
/// vpermi2ps took 6 % more time); the interval is bits 21-24 of a + 1 (its exponent and top two mantissa bits), so
/// intervals are 1/4 wide below a = 1, where R needs them narrow, and 2 wide from a = 7 (R's relative error at
/// most 5.9e-9). exp(-a^2/2) is computed from a^2 split exactly into float hi + lo, and the factor that multiplies
/// it goes in before the power of two, so a result in the subnormals is rounded once. One form over the whole
/// range, with no division: about 22 multiply-adds and 8 permutes per 16 lanes. GELU itself was computed this way
/// too (within 3 ulp, more than 1 ulp off for 1 in 1200 inputs); <see cref="FloatGeluDirect"/> does it with less
/// arithmetic and borrows the exp. <see cref="FloatGeluTable8"/> is the 8-lane form of both. The fits were made with
/// mpmath's chebyfit (tools/float-gelu-fit.py prints them).
/// </summary>
internal static class FloatGeluTable
{
    // the largest float below 15: a + 1 stays below 16, in the last interval
    internal const float Cap = 14.9999990f;
    internal const float InverseSqrtTwoPi = 0.398942280401432678f;
    internal const float HalfLog2E = 0.721347520444482f;
    // 2 ln 2 in two parts, the first with trailing zero bits so that k * TwoLn2Hi is exact
    internal const float TwoLn2Hi = 1.386291504f, TwoLn2Lo = 2.85721354e-06f;
    // exp(-q/2) = 1 - q/2 + q^2 (((ExpP4 q + ExpP3) q + ExpP2) q + ExpP1) q + ExpP0) for |q| <= ln 2 (relative error 1.1e-8)
    internal const float ExpP4 = 2.17596626e-05f, ExpP3 = -0.000261349342f, ExpP2 = 0.00260415976f, ExpP1 = -0.0208332203f, ExpP0 = 0.125f;

    // The tables are constant vectors (Create of literals), which the JIT embeds in the code that uses them. As
    // static readonly fields they were embedded only where the class was initialised before the caller was
    // compiled: a generated kernel (compiled at full optimisation on its first call) that ran before any eager
    // GELU read them through the class's statics and took 4.4 instead of 3.3 ms for gelu(x * a + b) on 16M floats.

    /// <summary>The interval centers and R's coefficients, highest power first (table position: see the summary).</summary>
    static Vector512<float> Center => Vector512.Create(
        1.25f, 1.75f, 2.25f, 2.75f, 3.5f, 4.5f, 5.5f, 6.5f, 8f, 10f, 12f, 14f, 0.125f, 0.375f, 0.625f, 0.875f);

    static Vector512<float> R6 => Vector512.Create(
        0.000609878567f, 0.000231180893f, 9.50891626e-05f, 4.20489341e-05f, 1.40880584e-05f, 3.86230249e-06f,
        1.25550298e-06f, 4.6741809e-07f, 1.31681034e-07f, 3.12542419e-08f, 9.36424094e-09f, 3.32703665e-09f,
        0.00762358122f, 0.00414499594f, 0.00231729588f, 0.00133013364f);

    static Vector512<float> R5 => Vector512.Create(
        -0.00199945946f, -0.000833451631f, -0.000375739124f, -0.000181451527f, -6.8938898e-05f, -2.2023949e-05f,
        -8.22467973e-06f, -3.47271316e-06f, -1.15772502e-06f, -3.32996706e-07f, -1.17576398e-07f, -4.81830575e-08f,
        -0.0199741591f, -0.011422378f, -0.00671385601f, -0.00404978124f);

    static Vector512<float> R4 => Vector512.Create(
        0.00610255357f, 0.00282373931f, 0.00140672922f, 0.000747130311f, 0.000320124411f, 0.000120689081f,
        5.22437476e-05f, 2.51797464e-05f, 9.82725851e-06f, 3.46374395e-06f, 1.45091997e-06f, 6.88757666e-07f,
        0.0480796173f, 0.0290647615f, 0.0180492047f, 0.0114946198f);

    static Vector512<float> R3 => Vector512.Create(
        -0.0175288841f, -0.00907530822f, -0.00503120106f, -0.00295672542f, -0.00145900086f, -0.000651770504f,
        -0.000328051916f, -0.000180896197f, -8.42765076e-05f, -3.62768769e-05f, -1.79924191e-05f, -9.88151805e-06f,
        -0.105509296f, -0.0678184703f, -0.0447472036f, -0.0302503407f);

    static Vector512<float> R2 => Vector512.Create(
        0.0463227369f, 0.0271773245f, 0.01694737f, 0.0111196321f, 0.00638765283f, 0.00341591053f, 0.00201332313f,
        0.00127656804f, 0.000713630463f, 0.000376650132f, 0.000221720693f, 0.000141099139f, 0.205507979f,
        0.141691476f, 0.100164123f, 0.0724477097f);

    static Vector512<float> R1 => Vector512.Create(
        -0.110491887f, -0.0747868717f, -0.0532254204f, -0.0394492634f, -0.0267342478f, -0.0173270162f,
        -0.0120574636f, -0.00884039048f, -0.00596191222f, -0.00387533964f, -0.00271462766f, -0.00200503296f,
        -0.342218131f, -0.256590635f, -0.196844682f, -0.154143035f);

    static Vector512<float> R0 => Vector512.Create(
        0.230760321f, 0.185231671f, 0.153651938f, 0.130724728f, 0.106345154f, 0.084803395f, 0.0703426972f,
        0.0600156747f, 0.0491225459f, 0.0395066924f, 0.0330189727f, 0.0283526611f, 0.453793228f, 0.379604429f,
        0.323356181f, 0.279770583f);

    // vfixupimmps responses per class of x, a nibble each from bit 0: NaN, signalling NaN, 0, 1, -inf, +inf,
    // negative, positive; 0 keeps the computed value, 3 makes it NaN
    internal const int NaNAtMinusInfinity = 0x00030000, NaNAtInfinities = 0x00330000;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> GeluDerivative(Vector512<float> x)
    {
        var (a, r, y, k) = Parts(x);
        var xCapped = Vector512.CopySign(a, x);
        var negative = Vector512.LessThan(x, Vector512<float>.Zero);
        // Phi(x) + x phi(x) = base + exp(-a^2/2) (x / sqrt(2 pi) + R), R negated for x >= 0
        var tailBase = Vector512.ConditionalSelect(negative, Vector512<float>.Zero, Vector512<float>.One);
        var factor = Avx512F.FusedMultiplyAdd(xCapped, Vector512.Create(InverseSqrtTwoPi), Vector512.ConditionalSelect(negative, r, -r));
        var result = tailBase + Avx512F.Scale(y * factor, k);
        // NaN at infinities, as cdf + x pdf gives
        return Avx512F.Fixup(result, x, Vector512.Create(NaNAtInfinities), 0);
    }

    /// <summary>a = |x| capped below 15, R(a), and exp(-a^2/2) as y 2^k with y near 1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static (Vector512<float> A, Vector512<float> R, Vector512<float> Y, Vector512<float> K) Parts(Vector512<float> x)
    {
        // vminps with the cap first returns its second operand, so NaN stays NaN
        var a = Avx512F.Min(Vector512.Create(Cap), Vector512.Abs(x));
        var position = Vector512.ShiftRightLogical((a + Vector512<float>.One).AsInt32(), 21);
        var d = a - At(Center, position);
        var r = At(R6, position);
        r = Avx512F.FusedMultiplyAdd(r, d, At(R5, position));
        r = Avx512F.FusedMultiplyAdd(r, d, At(R4, position));
        r = Avx512F.FusedMultiplyAdd(r, d, At(R3, position));
        r = Avx512F.FusedMultiplyAdd(r, d, At(R2, position));
        r = Avx512F.FusedMultiplyAdd(r, d, At(R1, position));
        r = Avx512F.FusedMultiplyAdd(r, d, At(R0, position));

        var (y, k) = ExpOfMinusHalfSquare(a);
        return (a, r, y, k);
    }

    /// <summary>exp(-a^2/2) as y 2^k with y near 1, for a &gt;= 0 (a^2 below 2^24 / 3, so k's products are exact).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static (Vector512<float> Y, Vector512<float> K) ExpOfMinusHalfSquare(Vector512<float> a)
    {
        // exp(-a^2/2) = exp(-q/2) 2^k with q = a^2 + 2 k ln 2 in [-ln 2, ln 2]; a^2 = u + lo exactly
        var u = a * a;
        var lo = Avx512F.FusedMultiplySubtract(a, a, u);
        var k = Avx512F.RoundScale(u * Vector512.Create(-HalfLog2E), 0);
        var q = Avx512F.FusedMultiplyAdd(k, Vector512.Create(TwoLn2Hi), u);
        q = Avx512F.FusedMultiplyAdd(k, Vector512.Create(TwoLn2Lo), q) + lo;
        var p = Vector512.Create(ExpP4);
        p = MulAdd(p, q, ExpP3);
        p = MulAdd(p, q, ExpP2);
        p = MulAdd(p, q, ExpP1);
        p = MulAdd(p, q, ExpP0);
        p = MulAdd(p, q, -0.5f);
        return (MulAdd(p, q, 1f), k);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector512<float> MulAdd(Vector512<float> a, Vector512<float> b, float c) => Avx512F.FusedMultiplyAdd(a, b, Vector512.Create(c));

    /// <summary>The table's entry at each lane's position (the low 4 bits of the index).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector512<float> At(Vector512<float> table, Vector512<int> position) => Avx512F.PermuteVar16x32(table, position);
}
