using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace DeepGen.Kernels;

/// <summary>
/// <see cref="ErfMath"/>'s erf and erfc (Cody's rational approximations) over four double lanes, with the same
/// coefficients and the same order of operations; only exp differs (<see cref="VectorMath.Exp(Vector256{double})"/>,
/// within 1 ulp of Math.Exp), so results agree with the scalar forms to an ulp or two. Each range's
/// approximation is evaluated only when some lane falls in it. The coefficients are ErfMath's, written out so
/// each step is one add and one multiply on a constant. With <c>forFloat</c> (results to be rounded to float)
/// exp(-y^2) is one exp instead of two: its relative error, about y^2 * 1e-16, is far below a float's ulp.
/// </summary>
internal static class VectorErf
{
    const double Threshold = 0.46875;
    const double OneOverSqrtPi = 0.56418958354775628695;
    const double XBig = 26.543;

    public static Vector256<double> Erf(Vector256<double> x, bool forFloat)
    {
        var y = Vector256.Abs(x);
        var small = x * SmallRatio(x * x);
        if (!Vector256.GreaterThanAny(y, Vector256.Create(Threshold))) return small;
        var tail = ErfcOfPositive(y, forFloat);
        var one = Vector256<double>.One;
        var large = Vector256.ConditionalSelect(Vector256.LessThan(x, Vector256<double>.Zero), tail - one, one - tail);
        return Select(y, x, small, large);
    }

    public static Vector256<double> Erfc(Vector256<double> x, bool forFloat)
    {
        var y = Vector256.Abs(x);
        var small = Vector256<double>.One - x * SmallRatio(x * x);
        if (!Vector256.GreaterThanAny(y, Vector256.Create(Threshold))) return small;
        var tail = ErfcOfPositive(y, forFloat);
        var large = Vector256.ConditionalSelect(Vector256.LessThan(x, Vector256<double>.Zero), Vector256.Create(2.0) - tail, tail);
        return Select(y, x, small, large);
    }

    /// <summary>The small-argument result where |x| &lt;= 0.46875, NaN lanes as x, the rest from the tail.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector256<double> Select(Vector256<double> y, Vector256<double> x, Vector256<double> small, Vector256<double> large) =>
        Vector256.ConditionalSelect(Vector256.LessThanOrEqual(y, Vector256.Create(Threshold)), small,
            Vector256.ConditionalSelect(Vector256.Equals(x, x), large, x));

    /// <summary>A(z) / B(z), the small-argument approximation of erf(x) / x with z = x^2.</summary>
    static Vector256<double> SmallRatio(Vector256<double> z)
    {
        var num = 1.85777706184603153e-1 * z;
        num = Step(num, 3.16112374387056560e00, z);
        num = Step(num, 1.13864154151050156e02, z);
        num = Step(num, 3.77485237685302021e02, z);
        var den = Step(z, 2.36012909523441209e01, z);
        den = Step(den, 2.44024637934444173e02, z);
        den = Step(den, 1.28261652607737228e03, z);
        return (num + Vector256.Create(3.20937758913846947e03)) / (den + Vector256.Create(2.84423683343917062e03));
    }

    /// <summary>erfc(y) for the lanes with y &gt; 0.46875 (the others get garbage, selected away).</summary>
    static Vector256<double> ErfcOfPositive(Vector256<double> y, bool forFloat)
    {
        var four = Vector256.Create(4.0);
        Vector256<double> ratio = Vector256<double>.Zero;
        if (Vector256.LessThanOrEqualAny(y, four))
        {
            var num = 2.15311535474403846e-8 * y;
            num = Step(num, 5.64188496988670089e-1, y);
            num = Step(num, 8.88314979438837594e00, y);
            num = Step(num, 6.61191906371416295e01, y);
            num = Step(num, 2.98635138197400131e02, y);
            num = Step(num, 8.81952221241769090e02, y);
            num = Step(num, 1.71204761263407058e03, y);
            num = Step(num, 2.05107837782607147e03, y);
            var den = Step(y, 1.57449261107098347e01, y);
            den = Step(den, 1.17693950891312499e02, y);
            den = Step(den, 5.37181101862009858e02, y);
            den = Step(den, 1.62138957456669019e03, y);
            den = Step(den, 3.29079923573345963e03, y);
            den = Step(den, 4.36261909014324716e03, y);
            den = Step(den, 3.43936767414372164e03, y);
            ratio = (num + Vector256.Create(1.23033935479799725e03)) / (den + Vector256.Create(1.23033935480374942e03));
        }
        if (Vector256.GreaterThanAny(y, four))
        {
            var z = Vector256<double>.One / (y * y);
            var num = 1.63153871373020978e-2 * z;
            num = Step(num, 3.05326634961232344e-1, z);
            num = Step(num, 3.60344899949804439e-1, z);
            num = Step(num, 1.25781726111229246e-1, z);
            num = Step(num, 1.60837851487422766e-2, z);
            var den = Step(z, 2.56852019228982242e00, z);
            den = Step(den, 1.87295284992346047e00, z);
            den = Step(den, 5.27905102951428412e-1, z);
            den = Step(den, 6.05183413124413191e-2, z);
            var far = (Vector256.Create(OneOverSqrtPi) - z * (num + Vector256.Create(6.58749161529837803e-4)) / (den + Vector256.Create(2.33520497626869185e-3))) / y;
            ratio = Vector256.ConditionalSelect(Vector256.LessThanOrEqual(y, four), ratio, far);
        }
        var result = (forFloat ? VectorMath.Exp(-(y * y)) : ExpMinusSquare(y)) * ratio;
        return Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(y, Vector256.Create(XBig)), Vector256<double>.Zero, result);
    }

    /// <summary>(acc + c) * x: one step of the scalar forms' polynomial loops.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector256<double> Step(Vector256<double> acc, double c, Vector256<double> x) => (acc + Vector256.Create(c)) * x;

    /// <summary>exp(-y^2) as exp(-r^2) exp(-(y - r)(y + r)) with r = y rounded down to a multiple of 1/16, so r^2 is exact.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector256<double> ExpMinusSquare(Vector256<double> y)
    {
        var sixteen = Vector256.Create(16.0);
        var r = Vector256.Truncate(y * sixteen) * (1 / 16.0);
        return VectorMath.Exp(-r * r) * VectorMath.Exp(-(y - r) * (y + r));
    }
}
