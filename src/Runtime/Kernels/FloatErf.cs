using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DeepGen.Kernels;

/// <summary>
/// erf and erfc for eight float lanes, computed on eight double lanes at once
/// (one 512-bit vector where <see cref="VectorErf"/> widens to two 256-bit halves) and rounded to float once.
/// Cody's rational approximations (<see cref="ErfMath"/>), cut down to what float results need: erfc uses the
/// (0.46875, 4] form everywhere (see <see cref="ErfcOfNonNegative"/>), the polynomials run as fused
/// multiply-adds, and exp(r) on the reduced argument stops at degree 9, whose first omitted term
/// (|r| &lt;= ln(2)/2) is under 1e-11 relative, far below a float's ulp (6e-8). FloatErfSweepTests checks
/// every form against the double formulas over millions of floats. Used where 512-bit vectors are fast
/// (<see cref="IsSupported"/>); elsewhere the Vector256 forms stay (DOTNET_PreferredVectorBitWidth=256 selects
/// them for testing). The coefficients are written out here too because .NET's generic vector interface
/// (ISimdVector) is not public, so the two widths cannot share one generic body.
/// </summary>
internal static class FloatErf
{
    public static bool IsSupported => Vector512.IsHardwareAccelerated && Avx512F.IsSupported;

    const double Threshold = 0.46875;
    const double XBig = 26.543;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Erf(Vector256<float> x) => Narrow(Erf(Widen(x)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Erfc(Vector256<float> x) => Narrow(Erfc(Widen(x)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector512<double> Widen(Vector256<float> x) => Avx512F.ConvertToVector512Double(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector256<float> Narrow(Vector512<double> x) => Avx512F.ConvertToVector256Single(x);

    static Vector512<double> Erf(Vector512<double> x)
    {
        var y = Vector512.Abs(x);
        var small = x * SmallRatio(x * x);
        if (!Vector512.GreaterThanAny(y, Vector512.Create(Threshold))) return small;
        var tail = ErfcOfNonNegative(y);
        var one = Vector512<double>.One;
        var large = Vector512.ConditionalSelect(Vector512.LessThan(x, Vector512<double>.Zero), tail - one, one - tail);
        // erf = 1 - erfc loses erf's relative accuracy near 0, so small lanes keep the small-argument form
        var result = Vector512.ConditionalSelect(Vector512.LessThanOrEqual(y, Vector512.Create(Threshold)), small, large);
        return Vector512.ConditionalSelect(Vector512.Equals(x, x), result, x);
    }

    /// <summary>erfc needs no small-argument form: erfc is near 1 there, where the tail form is accurate.</summary>
    static Vector512<double> Erfc(Vector512<double> x)
    {
        var tail = ErfcOfNonNegative(Vector512.Abs(x));
        var result = Vector512.ConditionalSelect(Vector512.LessThan(x, Vector512<double>.Zero), Vector512.Create(2.0) - tail, tail);
        return Vector512.ConditionalSelect(Vector512.Equals(x, x), result, x);
    }

    /// <summary>A(z) / B(z), the small-argument approximation of erf(x) / x with z = x^2, by Horner's rule.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector512<double> SmallRatio(Vector512<double> z)
    {
        var num = Vector512.Create(1.85777706184603153e-1);
        num = MulAdd(num, z, 3.16112374387056560e00);
        num = MulAdd(num, z, 1.13864154151050156e02);
        num = MulAdd(num, z, 3.77485237685302021e02);
        num = MulAdd(num, z, 3.20937758913846947e03);
        var den = z + Vector512.Create(2.36012909523441209e01);
        den = MulAdd(den, z, 2.44024637934444173e02);
        den = MulAdd(den, z, 1.28261652607737228e03);
        den = MulAdd(den, z, 2.84423683343917062e03);
        return num / den;
    }

    /// <summary>
    /// erfc(y) for y &gt;= 0 (NaN lanes get garbage, selected away) as exp(-y^2) C(y) / D(y), Cody's rational
    /// for (0.46875, 4], over the whole range: against the double form it is within 5e-12 relative on
    /// [0, 0.46875], 4e-11 up to 8 and 1.4e-9 up to 12, far below a float's ulp (6e-8); beyond about 10.1
    /// erfc and GELU's tail are below float's smallest subnormal, so the growing error there rounds away.
    /// One division and one exp, no selection between three forms.
    /// </summary>
    static Vector512<double> ErfcOfNonNegative(Vector512<double> y)
    {
        // clamped so that infinite lanes give 0, not inf / inf
        var big = Vector512.Create(XBig);
        var yc = Vector512.MinNative(y, big);
        // C(y) / D(y) by Horner's rule with fused multiply-adds (the scalar form's loop, reassociated)
        var num = Vector512.Create(2.15311535474403846e-8);
        num = MulAdd(num, yc, 5.64188496988670089e-1);
        num = MulAdd(num, yc, 8.88314979438837594e00);
        num = MulAdd(num, yc, 6.61191906371416295e01);
        num = MulAdd(num, yc, 2.98635138197400131e02);
        num = MulAdd(num, yc, 8.81952221241769090e02);
        num = MulAdd(num, yc, 1.71204761263407058e03);
        num = MulAdd(num, yc, 2.05107837782607147e03);
        num = MulAdd(num, yc, 1.23033935479799725e03);
        var den = yc + Vector512.Create(1.57449261107098347e01);
        den = MulAdd(den, yc, 1.17693950891312499e02);
        den = MulAdd(den, yc, 5.37181101862009858e02);
        den = MulAdd(den, yc, 1.62138957456669019e03);
        den = MulAdd(den, yc, 3.29079923573345963e03);
        den = MulAdd(den, yc, 4.36261909014324716e03);
        den = MulAdd(den, yc, 3.43936767414372164e03);
        den = MulAdd(den, yc, 1.23033935480374942e03);
        var ratio = num / den;
        var result = Exp(-(yc * yc)) * ratio;
        return Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(y, big), Vector512<double>.Zero, result);
    }

    // fdlibm's split of ln 2 (see VectorMath.Exp)
    const double Ln2Hi = 6.93147180369123816490e-01, Ln2Lo = 1.90821492927058770002e-10, Log2E = 1.44269504088896338700e+00;
    const double RoundingMagic = 6755399441055744.0;

    /// <summary>
    /// <see cref="VectorMath.Exp(Vector256{double})"/>'s reduction with the series cut at degree 9: about 1e-11
    /// relative, enough for results rounded to float.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector512<double> Exp(Vector512<double> x)
    {
        var xc = Vector512.MinNative(Vector512.MaxNative(x, Vector512.Create(-746.0)), Vector512.Create(710.0));
        var magic = Vector512.Create(RoundingMagic);
        var k = (xc * Log2E + magic) - magic;
        var r = (xc - k * Ln2Hi) - k * Ln2Lo;
        // exp(r) = 1 + r + r^2 q(r)
        var q = Vector512.Create(1.0 / 362880);
        q = MulAdd(q, r, 1.0 / 40320);
        q = MulAdd(q, r, 1.0 / 5040);
        q = MulAdd(q, r, 1.0 / 720);
        q = MulAdd(q, r, 1.0 / 120);
        q = MulAdd(q, r, 1.0 / 24);
        q = MulAdd(q, r, 1.0 / 6);
        q = MulAdd(q, r, 0.5);
        var y = Vector512<double>.One + Vector512.FusedMultiplyAdd(r * r, q, r);
        // 2^k as two normal factors, so results in the subnormals round once
        var k1 = Vector512.Floor(k * 0.5);
        var k2 = k - k1;
        var result = y * PowerOfTwo(k1) * PowerOfTwo(k2);
        return Vector512.ConditionalSelect(Vector512.Equals(x, x), result, x);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector512<double> MulAdd(Vector512<double> a, Vector512<double> b, double c) => Vector512.FusedMultiplyAdd(a, b, Vector512.Create(c));

    /// <summary>2^k for integral k in [-1022, 1023], built from its exponent bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector512<double> PowerOfTwo(Vector512<double> k) =>
        Vector512.ShiftLeft((k + Vector512.Create(RoundingMagic + 1023)).AsUInt64(), 52).AsDouble();
}
