using System.Globalization;
using System.Numerics;

namespace DeepGen;

/// <summary>
/// Python's float formatting (<c>f"{v:.4f}"</c>, <c>f"{v:.4e}"</c>), which tensor printing must match
/// character for character: the exact binary value rounded half-to-even, so 0.03125 prints as 0.0312.
/// Exact arithmetic with big integers keeps ties right regardless of the platform's own formatting.
/// </summary>
internal static class FloatText
{
    /// <summary>Fixed point with <paramref name="decimals"/> digits after the point, like Python's <c>.{decimals}f</c>.</summary>
    public static string Fixed(double value, int decimals)
    {
        if (!double.IsFinite(value)) return NonFinite(value);
        var digits = ScaledRound(Math.Abs(value), decimals).ToString(CultureInfo.InvariantCulture);
        if (decimals > 0)
        {
            digits = digits.PadLeft(decimals + 1, '0');
            digits = digits[..^decimals] + "." + digits[^decimals..];
        }
        return double.IsNegative(value) ? "-" + digits : digits;
    }

    /// <summary>Scientific notation like Python's <c>.{decimals}e</c>: <c>1.2346e-05</c>, <c>-3.0000e+10</c>.</summary>
    public static string Scientific(double value, int decimals)
    {
        if (!double.IsFinite(value)) return NonFinite(value);
        double abs = Math.Abs(value);
        int exponent = 0;
        BigInteger mantissa = BigInteger.Zero;
        if (abs != 0)
        {
            exponent = (int)Math.Floor(Math.Log10(abs));
            var low = BigInteger.Pow(10, decimals);
            var high = low * 10;
            mantissa = ScaledRound(abs, decimals - exponent);
            // log10 may be off by one near powers of ten, and rounding may carry into a new digit
            if (mantissa >= high) mantissa = ScaledRound(abs, decimals - ++exponent);
            else if (mantissa < low) mantissa = ScaledRound(abs, decimals - --exponent);
            if (mantissa >= high) mantissa = ScaledRound(abs, decimals - ++exponent);
        }
        var digits = mantissa.ToString(CultureInfo.InvariantCulture).PadLeft(decimals + 1, '0');
        var text = decimals > 0 ? digits[..1] + "." + digits[1..] : digits;
        var exponentText = (exponent < 0 ? "-" : "+") + Math.Abs(exponent).ToString("00", CultureInfo.InvariantCulture);
        return (double.IsNegative(value) ? "-" : "") + text + "e" + exponentText;
    }

    static string NonFinite(double value) => double.IsNaN(value) ? "nan" : value > 0 ? "inf" : "-inf";

    /// <summary>round(abs * 10^power) to the nearest integer, ties to even, computed exactly.</summary>
    static BigInteger ScaledRound(double abs, int power)
    {
        long bits = BitConverter.DoubleToInt64Bits(abs);
        int biased = (int)((bits >> 52) & 0x7FF);
        long fraction = bits & 0xFFFFFFFFFFFFFL;
        // abs = significand * 2^binaryExponent exactly
        BigInteger significand = biased == 0 ? fraction : fraction | (1L << 52);
        int binaryExponent = (biased == 0 ? 1 : biased) - 1075;

        BigInteger numerator = significand, denominator = BigInteger.One;
        if (binaryExponent >= 0) numerator <<= binaryExponent;
        else denominator <<= -binaryExponent;
        if (power >= 0) numerator *= BigInteger.Pow(10, power);
        else denominator *= BigInteger.Pow(10, -power);

        var quotient = BigInteger.DivRem(numerator, denominator, out var remainder);
        int half = (remainder * 2).CompareTo(denominator);
        if (half > 0 || (half == 0 && !quotient.IsEven)) quotient += 1;
        return quotient;
    }
}
