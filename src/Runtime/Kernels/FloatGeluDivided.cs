using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace DeepGen.Kernels;

/// <summary>
/// GELU, x Phi(x), and its derivative Phi(x) + x phi(x) on 8 float lanes in float arithmetic, for machines
/// without fast 512-bit vectors (where they are fast, <see cref="FloatGeluTable"/> runs instead), within 5 ulp
/// of the double formula rounded to float (FloatErfSweepTests; all but a few in a thousand within 1 ulp).
/// Written over <see cref="IFloatLanes{TV}"/>. Phi is computed in two forms, each accurate relative to what it returns:
/// <list type="bullet">
/// <item>|x| &lt;= 0.75: Phi(x) = 0.5 + x Q(x^2), Q a degree-4 fit (error 1e-9 of Q);</item>
/// <item>beyond: Phi(-|x|) = 0.5 exp(-x^2/2) t g(t) with t = 1 / (1 + |x| / (2 sqrt 2)), g a degree-9 fit in
/// t - mid on the t of |x| in [0.75, 15] (relative error 1.3e-9), so the left tail keeps its relative
/// accuracy; for x &gt; 0, Phi = 1 - Phi(-x).</item>
/// </list>
/// x^2 is split exactly into float hi + lo before the exponential, and the factor that multiplies exp(-x^2/2)
/// goes in before the power-of-two scaling, which rounds once, so a result in the subnormals is rounded once.
/// The fits were made with mpmath's chebyfit at 40 digits (tools/float-gelu-fit.py prints them). Beyond
/// |x| = 15, Phi is 0 or 1 in float. (A single tail form over all of [0, 15], g of degree 10, saves the central
/// polynomial, about a tenth of the work, but puts a fifth of the results for |x| &lt; 0.5 more than 1 ulp off.)
/// </summary>
internal static class FloatGeluDivided
{
    const float Central = 0.75f;
    const float Limit = 15f;
    const float Mid = 0.4745288732f;
    const float OneOverTwoSqrtTwo = 0.353553390593273762f;
    const float OneOverSqrtTwoPi = 0.398942280401432678f;
    const float Log2E = 1.44269504088896341f;
    // ln 2 in two parts, the first with trailing zero bits so that k * Ln2Hi is exact
    const float Ln2Hi = 0.693145752f, Ln2Lo = 1.42860677e-06f;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Gelu(Vector256<float> x) => Gelu<Vector256<float>, Lanes256>(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> GeluDerivative(Vector256<float> x) => GeluDerivative<Vector256<float>, Lanes256>(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static TV Gelu<TV, L>(TV x) where TV : struct where L : IFloatLanes<TV>
    {
        var (a, q, scaled, big, small) = Parts<TV, L>(x);
        var zero = L.Splat(0f);
        var negative = L.LessThan(x, zero);
        // x Phi(-|x|) = (x scaled) exp(-x^2/2)
        var e = ExpTimes<TV, L>(big, small, L.Multiply(x, scaled));
        var tail = L.Select(negative, e, L.Subtract(x, e));
        var central = L.Multiply(x, L.MulAdd(x, q, L.Splat(0.5f)));
        var result = L.Select(L.LessThanOrEqual(a, L.Splat(Central)), central, tail);
        // far out gelu is x, or -0 (and NaN at -inf, as 0.5 x erfc(-x / sqrt 2) gives)
        return L.Select(Beyond<TV, L>(x), L.Select(negative, L.Multiply(x, zero), x), result);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static TV GeluDerivative<TV, L>(TV x) where TV : struct where L : IFloatLanes<TV>
    {
        var (a, q, scaled, big, small) = Parts<TV, L>(x);
        var zero = L.Splat(0f);
        var negative = L.LessThan(x, zero);
        var central = L.LessThanOrEqual(a, L.Splat(Central));
        // Phi(x) + x phi(x) = base + factor exp(-x^2/2)
        var slope = L.Multiply(x, L.Splat(OneOverSqrtTwoPi));
        var tailBase = L.Select(negative, zero, L.Splat(1f));
        var baseValue = L.Select(central, L.MulAdd(x, q, L.Splat(0.5f)), tailBase);
        var factor = L.Select(central, slope, L.Add(slope, L.Select(negative, scaled, L.Subtract(zero, scaled))));
        var result = L.Add(baseValue, ExpTimes<TV, L>(big, small, factor));
        // far out 0 or 1 (NaN at infinities, as cdf + x pdf gives)
        return L.Select(Beyond<TV, L>(x), L.Add(tailBase, L.Multiply(x, zero)), result);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static TV Beyond<TV, L>(TV x) where TV : struct where L : IFloatLanes<TV> => L.GreaterThanOrEqual(L.Abs(x), L.Splat(Limit));

    /// <summary>
    /// |x| (capped at the limit), Q(x^2) of the central form, 0.5 t g(t) of the tail form, and -x^2/2 as
    /// big + small exactly.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static (TV A, TV Q, TV Scaled, TV Big, TV Small) Parts<TV, L>(TV x) where TV : struct where L : IFloatLanes<TV>
    {
        var a = L.AtMost(L.Abs(x), L.Splat(Limit));
        var u = L.Multiply(a, a);
        var q = L.Splat(1.0297051487e-4f);
        q = MulAdd<TV, L>(q, u, -1.18131890374e-3f);
        q = MulAdd<TV, L>(q, u, 9.9723609433e-3f);
        q = MulAdd<TV, L>(q, u, -6.64902963215e-2f);
        q = MulAdd<TV, L>(q, u, 0.39894227946f);
        var t = L.Divide(L.Splat(1f), MulAdd<TV, L>(a, L.Splat(OneOverTwoSqrtTwo), 1f));
        var s = L.Subtract(t, L.Splat(Mid));
        var g = L.Splat(-3.10191884439e-2f);
        g = MulAdd<TV, L>(g, s, -6.28214994565e-2f);
        g = MulAdd<TV, L>(g, s, 7.06714864344e-2f);
        g = MulAdd<TV, L>(g, s, 8.63381612327e-2f);
        g = MulAdd<TV, L>(g, s, -0.117977890555f);
        g = MulAdd<TV, L>(g, s, -0.15790194257f);
        g = MulAdd<TV, L>(g, s, 0.162597386438f);
        g = MulAdd<TV, L>(g, s, 0.547152720275f);
        g = MulAdd<TV, L>(g, s, 0.658981673516f);
        g = MulAdd<TV, L>(g, s, 0.493648747681f);
        var lo = L.MulAdd(a, a, L.Subtract(L.Splat(0f), u)); // a^2 = u + lo exactly
        var minusHalf = L.Splat(-0.5f);
        return (a, q, L.Multiply(L.Multiply(L.Splat(0.5f), t), g), L.Multiply(u, minusHalf), L.Multiply(lo, minusHalf));
    }

    /// <summary>
    /// factor exp(big + small) for big in [-113, 0] and |small| tiny: the reduction keeps big's rounding out
    /// (small carries it), and factor goes in before the last power of two, so the result is rounded once.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static TV ExpTimes<TV, L>(TV big, TV small, TV factor) where TV : struct where L : IFloatLanes<TV>
    {
        var k = L.Round(L.Multiply(big, L.Splat(Log2E)));
        var r = L.MulAdd(k, L.Splat(-Ln2Hi), big);
        r = L.Add(L.MulAdd(k, L.Splat(-Ln2Lo), r), small);
        // exp(r) = 1 + r + r^2 p(r), |r| <= ln(2)/2, p a degree-4 fit (relative error of exp 1.1e-8)
        var p = L.Splat(0.00139261761199f);
        p = MulAdd<TV, L>(p, r, 0.00836317307451f);
        p = MulAdd<TV, L>(p, r, 0.0416665546621f);
        p = MulAdd<TV, L>(p, r, 0.166665770256f);
        p = MulAdd<TV, L>(p, r, 0.5f);
        var y = L.Add(L.MulAdd(L.Multiply(r, r), p, r), L.Splat(1f));
        return L.ScaleByPowerOfTwo(L.Multiply(y, factor), k);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static TV MulAdd<TV, L>(TV a, TV b, float c) where TV : struct where L : IFloatLanes<TV> => L.MulAdd(a, b, L.Splat(c));
}
