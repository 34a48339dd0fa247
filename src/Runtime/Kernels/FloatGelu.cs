using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace DeepGen.Kernels;

/// <summary>
/// Exact GELU, x Phi(x), and its derivative Phi(x) + x phi(x) on eight float lanes in float arithmetic (no
/// widening to double), within 5 ulp of the double formula rounded to float (FloatErfSweepTests; 99.7 % of
/// floats within 1 ulp) and about twice as fast as the double-lane form it replaced. Phi is computed in two
/// forms, each accurate relative to what it returns:
/// <list type="bullet">
/// <item>|x| &lt;= 0.75: Phi(x) = 0.5 + x Q(x^2), Q a degree-4 fit (error 1e-9 of Q);</item>
/// <item>beyond: Phi(-|x|) = 0.5 exp(-x^2/2) t g(t) with t = 1 / (1 + |x| / (2 sqrt 2)), g a degree-9 fit in
/// t - mid on the t of |x| in [0.75, 15] (relative error 1.3e-9), so the left tail keeps its relative
/// accuracy; for x &gt; 0, Phi = 1 - Phi(-x).</item>
/// </list>
/// x^2 is split exactly into float hi + lo before the exponential, and the factor that multiplies exp(-x^2/2)
/// goes in before the last power-of-two scaling, so a result in the subnormals is rounded once. The fits were
/// made with mpmath's chebyfit against its erfc at 40 digits (tools/float-gelu-fit.py prints them). Beyond
/// |x| = 15, Phi is 0 or 1 in float.
/// </summary>
internal static class FloatGelu
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
    public static Vector256<float> Gelu(Vector256<float> x)
    {
        var (a, q, scaled, big, small) = Parts(x);
        var negative = Vector256.LessThan(x, Vector256<float>.Zero);
        // x Phi(-|x|) = (x scaled) exp(-x^2/2)
        var e = ExpTimes(big, small, x * scaled);
        var tail = Vector256.ConditionalSelect(negative, e, x - e);
        var central = x * Vector256.FusedMultiplyAdd(x, q, Vector256.Create(0.5f));
        var result = Vector256.ConditionalSelect(Vector256.LessThanOrEqual(a, Vector256.Create(Central)), central, tail);
        // far out gelu is x, or -0 (and NaN at -inf, as 0.5 x erfc(-x / sqrt 2) gives)
        return Vector256.ConditionalSelect(Beyond(x), Vector256.ConditionalSelect(negative, x * 0f, x), result);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> GeluDerivative(Vector256<float> x)
    {
        var (a, q, scaled, big, small) = Parts(x);
        var negative = Vector256.LessThan(x, Vector256<float>.Zero);
        var central = Vector256.LessThanOrEqual(a, Vector256.Create(Central));
        // Phi(x) + x phi(x) = base + factor exp(-x^2/2)
        var slope = x * OneOverSqrtTwoPi;
        var tailBase = Vector256.ConditionalSelect(negative, Vector256<float>.Zero, Vector256<float>.One);
        var baseValue = Vector256.ConditionalSelect(central, Vector256.FusedMultiplyAdd(x, q, Vector256.Create(0.5f)), tailBase);
        var factor = Vector256.ConditionalSelect(central, slope, slope + Vector256.ConditionalSelect(negative, scaled, -scaled));
        var result = baseValue + ExpTimes(big, small, factor);
        // far out 0 or 1 (NaN at infinities, as cdf + x pdf gives)
        return Vector256.ConditionalSelect(Beyond(x), tailBase + x * 0f, result);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector256<float> Beyond(Vector256<float> x) => Vector256.GreaterThanOrEqual(Vector256.Abs(x), Vector256.Create(Limit));

    /// <summary>
    /// |x| (capped at the limit), Q(x^2) of the central form, 0.5 t g(t) of the tail form, and -x^2/2 as
    /// big + small exactly.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static (Vector256<float> A, Vector256<float> Q, Vector256<float> Scaled, Vector256<float> Big, Vector256<float> Small) Parts(Vector256<float> x)
    {
        var a = Vector256.Min(Vector256.Abs(x), Vector256.Create(Limit));
        var u = a * a;
        var q = Vector256.Create(1.0297051487e-4f);
        q = MulAdd(q, u, -1.18131890374e-3f);
        q = MulAdd(q, u, 9.9723609433e-3f);
        q = MulAdd(q, u, -6.64902963215e-2f);
        q = MulAdd(q, u, 0.39894227946f);
        var t = Vector256<float>.One / MulAdd(a, Vector256.Create(OneOverTwoSqrtTwo), 1f);
        var s = t - Vector256.Create(Mid);
        var g = Vector256.Create(-3.10191884439e-2f);
        g = MulAdd(g, s, -6.28214994565e-2f);
        g = MulAdd(g, s, 7.06714864344e-2f);
        g = MulAdd(g, s, 8.63381612327e-2f);
        g = MulAdd(g, s, -0.117977890555f);
        g = MulAdd(g, s, -0.15790194257f);
        g = MulAdd(g, s, 0.162597386438f);
        g = MulAdd(g, s, 0.547152720275f);
        g = MulAdd(g, s, 0.658981673516f);
        g = MulAdd(g, s, 0.493648747681f);
        var lo = Vector256.FusedMultiplyAdd(a, a, -u); // a^2 = u + lo exactly
        return (a, q, 0.5f * t * g, u * -0.5f, lo * -0.5f);
    }

    /// <summary>
    /// factor exp(big + small) for big in [-113, 0] and |small| tiny: the reduction keeps big's rounding out
    /// (small carries it), and factor goes in before the last power of two, so the result is rounded once.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector256<float> ExpTimes(Vector256<float> big, Vector256<float> small, Vector256<float> factor)
    {
        var k = Vector256.Round(big * Log2E);
        var r = Vector256.FusedMultiplyAdd(k, Vector256.Create(-Ln2Hi), big);
        r = Vector256.FusedMultiplyAdd(k, Vector256.Create(-Ln2Lo), r) + small;
        // exp(r) = 1 + r + r^2 p(r), |r| <= ln(2)/2: Taylor to degree 7 (next term 5e-9 relative)
        var p = Vector256.Create(1f / 5040);
        p = MulAdd(p, r, 1f / 720);
        p = MulAdd(p, r, 1f / 120);
        p = MulAdd(p, r, 1f / 24);
        p = MulAdd(p, r, 1f / 6);
        p = MulAdd(p, r, 0.5f);
        var y = Vector256.FusedMultiplyAdd(r * r, p, r) + Vector256<float>.One;
        // 2^k, k in [-163, 0], as two normal factors
        var k1 = Vector256.Ceiling(k * 0.5f);
        return y * factor * PowerOfTwo(k1) * PowerOfTwo(k - k1);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector256<float> MulAdd(Vector256<float> a, Vector256<float> b, float c) => Vector256.FusedMultiplyAdd(a, b, Vector256.Create(c));

    /// <summary>2^k for integral k in [-126, 127], built from its exponent bits (1.5 * 2^23 + k has k in its low bits).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector256<float> PowerOfTwo(Vector256<float> k) =>
        Vector256.ShiftLeft((k + Vector256.Create(12582912f + 127f)).AsInt32() - Vector256.Create(0x4B400000), 23).AsSingle();
}
