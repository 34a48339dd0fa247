using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DeepGen.Kernels;

/// <summary>
/// exp for float lanes in float arithmetic (Cephes' expf: argument reduction by ln 2 split in two, a degree-6
/// polynomial), within 2 ulp: the speed the row kernels (softmax, cross-entropy) need, where the
/// elementwise exp computes in double for correct rounding. Only for arguments at most 0, which is what
/// those kernels pass (x - max): -inf gives 0 and NaN stays NaN. With AVX-512 the power of two goes in by
/// vscalefps, so results under float's smallest normal (below -87.3) are the subnormals they round to, and 0 from
/// -103.3; the portable form gives 0 below -87.3.
/// </summary>
internal static class FloatExp
{
    const float Lowest = -87.33654f; // ln(2^-126)
    // exp below this rounds to 0 in float (2^-150 and less): with AVX-512 the argument is clamped here
    const float Underflow = -110f;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> OfNonPositive(Vector512<float> x)
    {
        if (Avx512F.IsSupported)
        {
            // vscalefps applies 2^k to the polynomial in one rounding, subnormal results and 0 included, so the clamps
            // to [Lowest, 0], the exponent bits and the two selects of the portable form are not needed. vmaxps
            // returns its second operand when either is NaN: x second, so NaN stays NaN.
            var xs = Avx512F.Max(Vector512.Create(Underflow), x);
            var ks = Avx512F.RoundScale(xs * Vector512.Create(1.44269504088896341f), 0);
            return Avx512F.Scale(Polynomial(xs, ks), ks);
        }

        var xc = Vector512.Min(Vector512.Max(x, Vector512.Create(Lowest)), Vector512<float>.Zero);
        var k = Vector512.Round(xc * 1.44269504088896341f);
        // 2^k from its exponent bits (k in [-126, 0])
        var scale = Vector512.ShiftLeft(Vector512.ConvertToInt32(k) + Vector512.Create(127), 23).AsSingle();
        var result = Vector512.ConditionalSelect(Vector512.LessThan(x, Vector512.Create(Lowest)), Vector512<float>.Zero, Polynomial(xc, k) * scale);
        return Vector512.ConditionalSelect(Vector512.Equals(x, x), result, x);
    }

    /// <summary>exp(x - k ln 2) for k the nearest integer to x / ln 2.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector512<float> Polynomial(Vector512<float> x, Vector512<float> k)
    {
        // r = x - k ln 2, with ln 2 split so that k * 0.693359375 is exact
        var r = Vector512.FusedMultiplyAdd(k, Vector512.Create(-0.693359375f), x);
        r = Vector512.FusedMultiplyAdd(k, Vector512.Create(2.12194440e-4f), r);
        var p = Vector512.Create(1.9875691500e-4f);
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(1.3981999507e-3f));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(8.3334519073e-3f));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(4.1665795894e-2f));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(1.6666665459e-1f));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(5.0000001201e-1f));
        return Vector512.FusedMultiplyAdd(p, r * r, r) + Vector512<float>.One;
    }

    /// <summary>The same for one value (the tails of rows).</summary>
    public static float OfNonPositive(float x) => OfNonPositive(Vector512.Create(x)).ToScalar();
}
