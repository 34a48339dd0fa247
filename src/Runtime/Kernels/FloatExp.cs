using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace DeepGen.Kernels;

/// <summary>
/// exp for float lanes in float arithmetic (Cephes' expf: argument reduction by ln 2 split in two, a degree-6
/// polynomial), within 2 ulp: the speed the row kernels (softmax, cross-entropy) need, where the
/// elementwise exp computes in double for correct rounding. Only for arguments at most 0, which is what
/// those kernels pass (x - max): below -87.3 the result is 0 (exp there is under float's smallest normal),
/// -inf gives 0 and NaN stays NaN.
/// </summary>
internal static class FloatExp
{
    const float Lowest = -87.33654f; // ln(2^-126)

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> OfNonPositive(Vector512<float> x)
    {
        var xc = Vector512.Min(Vector512.Max(x, Vector512.Create(Lowest)), Vector512<float>.Zero);
        var k = Vector512.Round(xc * 1.44269504088896341f);
        // r = x - k ln 2, with ln 2 split so that k * 0.693359375 is exact
        var r = Vector512.FusedMultiplyAdd(k, Vector512.Create(-0.693359375f), xc);
        r = Vector512.FusedMultiplyAdd(k, Vector512.Create(2.12194440e-4f), r);
        var p = Vector512.Create(1.9875691500e-4f);
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(1.3981999507e-3f));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(8.3334519073e-3f));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(4.1665795894e-2f));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(1.6666665459e-1f));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(5.0000001201e-1f));
        var y = Vector512.FusedMultiplyAdd(p, r * r, r) + Vector512<float>.One;
        // 2^k from its exponent bits (k in [-126, 0])
        var scale = Vector512.ShiftLeft(Vector512.ConvertToInt32(k) + Vector512.Create(127), 23).AsSingle();
        var result = Vector512.ConditionalSelect(Vector512.LessThan(x, Vector512.Create(Lowest)), Vector512<float>.Zero, y * scale);
        return Vector512.ConditionalSelect(Vector512.Equals(x, x), result, x);
    }

    /// <summary>The same for one value (the tails of rows).</summary>
    public static float OfNonPositive(float x) => OfNonPositive(Vector512.Create(x)).ToScalar();
}
