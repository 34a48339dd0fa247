using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DeepGen.Kernels;

/// <summary>
/// GELU, x Phi(x), and its derivative on 16 float lanes with AVX-512, by table: for a = |x|,
/// Phi(-a) = R(a) exp(-a^2/2) with R(a) = Phi(-a) e^(a^2/2), a smooth function that falls from 0.5 like
/// 1 / (a sqrt(2 pi)). R is a degree-5 polynomial in a - center on 32 intervals whose coefficients one
/// vpermi2ps per coefficient picks per lane; the interval is bits 20-24 of a + 1 (its exponent and top three
/// mantissa bits), so intervals are 1/8 wide below a = 1, where R needs them narrow, and 1 wide from a = 7
/// (R's relative error at most 2.1e-9). exp(-a^2/2) is computed from a^2 split exactly into float hi + lo, and
/// the factor that multiplies it goes in before the power of two, so a result in the subnormals is rounded once. Within 3 ulp of the double formula rounded to float, more than
/// 1 ulp off for about 1 in 1200 inputs (FloatErfSweepTests); where the formula's result underflows to -0
/// (x below about -14) this gives +0. One form over the whole range, with no division: about 21 multiply-adds
/// and 7 permutes per 16 lanes, where the two-form version it replaced (a central polynomial and a tail in
/// 1 / (1 + a / (2 sqrt 2))) took about 35 multiply-adds and a division, and was 5 ulp off at worst.
/// <see cref="FloatGeluTable8"/> is the 8-lane form. The fits were made with mpmath's chebyfit
/// (tools/float-gelu-fit.py prints them).
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

    /// <summary>The interval centers and R's coefficients, highest power first (table position: see the summary).</summary>
    static readonly Table Center = new(
    [
        1.125f, 1.375f, 1.625f, 1.875f, 2.125f, 2.375f, 2.625f, 2.875f, 3.25f, 3.75f, 4.25f, 4.75f, 5.25f, 5.75f,
        6.25f, 6.75f, 7.5f, 8.5f, 9.5f, 10.5f, 11.5f, 12.5f, 13.5f, 14.5f, 0.0625f, 0.1875f, 0.3125f, 0.4375f,
        0.5625f, 0.6875f, 0.8125f, 0.9375f
    ]);

    static readonly Table R5 = new(
    [
        -0.00250216597f, -0.00158240146f, -0.001022471f, -0.00067412277f, -0.000452929846f, -0.000309747847f,
        -0.00021536916f, -0.000152089677f, -9.30099923e-05f, -5.03069532e-05f, -2.85056431e-05f, -1.68285478e-05f,
        -1.0301902e-05f, -6.51287655e-06f, -4.23729307e-06f, -2.82845394e-06f, -1.61595892e-06f, -8.15102737e-07f,
        -4.38970744e-07f, -2.49690544e-07f, -1.48743055e-07f, -9.21770891e-08f, -5.91038578e-08f, -3.90396693e-08f,
        -0.0230033379f, -0.017274091f, -0.0130649908f, -0.00995050371f, -0.00762986019f, -0.00588895613f,
        -0.00457431655f, -0.0035751774f
    ]);

    static readonly Table R4 = new(
    [
        0.00751321856f, 0.00500664767f, 0.00340555026f, 0.00236122333f, 0.00166657136f, 0.00119594962f,
        0.000871577067f, 0.000644377084f, 0.000421311939f, 0.000248044962f, 0.000152316105f, 9.70386391e-05f,
        6.38515703e-05f, 4.32280394e-05f, 3.00132288e-05f, 2.13110834e-05f, 1.32855566e-05f, 7.45785474e-06f,
        4.42919873e-06f, 2.75654838e-06f, 1.78450875e-06f, 1.19467541e-06f, 8.23252037e-07f, 5.81735208e-07f,
        0.0548200384f, 0.0423222594f, 0.0329051092f, 0.0257588979f, 0.0202986132f, 0.016098598f, 0.0128469877f,
        0.0103137605f
    ]);

    static readonly Table R3 = new(
    [
        -0.0209154207f, -0.0147653166f, -0.0106260972f, -0.00778432749f, -0.0057968623f, -0.00438271463f,
        -0.0033602335f, -0.0026098222f, -0.00182636129f, -0.00117734168f, -0.000787372119f, -0.000543587026f,
        -0.000385811669f, -0.000280541251f, -0.000208386962f, -0.000157735849f, -0.000107132772f, -6.71687012e-05f,
        -4.41107804e-05f, -3.010008e-05f, -2.12105479e-05f, -1.53601668e-05f, -1.1387483e-05f, -8.61584977e-06f,
        -0.118345745f, -0.0942315459f, -0.0755506083f, -0.0609777793f, -0.049532827f, -0.0404856093f,
        -0.0332885459f, -0.0275282543f
    ]);

    static readonly Table R2 = new(
    [
        0.0535093248f, 0.0402846746f, 0.0308623612f, 0.0240233652f, 0.0189736169f, 0.0151855545f, 0.012302137f,
        0.010077511f, 0.00761348521f, 0.00540350005f, 0.00395364827f, 0.00296912435f, 0.00228030724f,
        0.00178566319f, 0.00142225088f, 0.00114982261f, 0.000856346684f, 0.000600633037f, 0.00043670446f,
        0.000327043352f, 0.000251040852f, 0.000196770168f, 0.000157017697f, 0.000127252846f, 0.22646825f,
        0.186804786f, 0.155117422f, 0.129629761f, 0.108994149f, 0.0921811759f, 0.0783992261f, 0.0670355856f
    ]);

    static readonly Table R1 = new(
    [
        -0.122944467f, -0.0996875241f, -0.0820297301f, -0.0683968589f, -0.0577095672f, -0.0492138676f,
        -0.0423738323f, -0.0368023291f, -0.030223079f, -0.0237952434f, -0.0191651769f, -0.0157341342f,
        -0.0131290685f, -0.0111092003f, -0.00951423682f, -0.00823451672f, -0.00674405182f, -0.00530691445f,
        -0.00428103982f, -0.00352426386f, -0.00295060663f, -0.00250571081f, -0.00215390348f, -0.00187101518f,
        -0.369191587f, -0.317720592f, -0.27512607f, -0.239646405f, -0.209907725f, -0.184831411f, -0.16356504f,
        -0.145430639f
    ]);

    static readonly Table R0 = new(
    [
        0.245331392f, 0.217639819f, 0.195023105f, 0.176290885f, 0.160580099f, 0.147254065f, 0.135835603f,
        0.125961721f, 0.113452062f, 0.100039206f, 0.0893593207f, 0.0806754008f, 0.073488228f, 0.0674492344f,
        0.0623084866f, 0.0578826331f, 0.0522930957f, 0.0463100448f, 0.04154329f, 0.037658859f, 0.0344340578f,
        0.0317149274f, 0.0293917321f, 0.0273842253f, 0.476011127f, 0.433182299f, 0.396211833f, 0.364104867f,
        0.336061448f, 0.311434001f, 0.289695084f, 0.270412415f
    ]);

    // vfixupimmps responses per class of x, a nibble each from bit 0: NaN, signalling NaN, 0, 1, -inf, +inf,
    // negative, positive; 0 keeps the computed value, 3 makes it NaN
    const int NaNAtMinusInfinity = 0x00030000, NaNAtInfinities = 0x00330000;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Gelu(Vector512<float> x)
    {
        var (a, r, y, k) = Parts(x);
        // x Phi(x) = max(x, 0) - a Phi(-a) for either sign; a Phi(-a) = y (a R) 2^k, which underflows to 0
        // beyond 15 (a is capped there), leaving x or 0. vmaxps returns its second operand, 0, for a NaN x, and
        // the NaN comes through a Phi(-a).
        var e = Avx512F.Scale(y * (a * r), k);
        var result = Avx512F.Max(x, Vector512<float>.Zero) - e;
        // NaN at -inf, as 0.5 x erfc(-x / sqrt 2) gives
        return Avx512F.Fixup(result, x, Vector512.Create(NaNAtMinusInfinity), 0);
    }

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
        var position = Vector512.ShiftRightLogical((a + Vector512<float>.One).AsInt32(), 20);
        var d = a - Center.At(position);
        var r = R5.At(position);
        r = Avx512F.FusedMultiplyAdd(r, d, R4.At(position));
        r = Avx512F.FusedMultiplyAdd(r, d, R3.At(position));
        r = Avx512F.FusedMultiplyAdd(r, d, R2.At(position));
        r = Avx512F.FusedMultiplyAdd(r, d, R1.At(position));
        r = Avx512F.FusedMultiplyAdd(r, d, R0.At(position));

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
        return (a, r, MulAdd(p, q, 1f), k);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector512<float> MulAdd(Vector512<float> a, Vector512<float> b, float c) => Avx512F.FusedMultiplyAdd(a, b, Vector512.Create(c));

    /// <summary>32 floats in two registers, looked up per lane by the low 5 bits of an index.</summary>
    readonly struct Table(float[] values)
    {
        readonly Vector512<float> low = Vector512.Create(values.AsSpan(0, 16));
        readonly Vector512<float> high = Vector512.Create(values.AsSpan(16, 16));

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector512<float> At(Vector512<int> position) => Avx512F.PermuteVar16x32x2(low, position, high);
    }
}
