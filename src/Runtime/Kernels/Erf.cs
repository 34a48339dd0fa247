namespace DeepGen.Kernels;

/// <summary>
/// The error function and its complement in double precision (.NET has no Math.Erf). Uses W. J. Cody's
/// rational Chebyshev approximations ("Rational Chebyshev approximations for the error function",
/// Math. Comp. 23, 1969, pp. 631-638; coefficients as in his SPECFUN routine CALERF), which are accurate
/// to about one unit in the last place of a double.
/// </summary>
internal static class ErfMath
{
    // erf(x) = x * A(x^2) / B(x^2) for |x| <= 0.46875
    static readonly double[] A = [3.16112374387056560e00, 1.13864154151050156e02, 3.77485237685302021e02, 3.20937758913846947e03, 1.85777706184603153e-1];
    static readonly double[] B = [2.36012909523441209e01, 2.44024637934444173e02, 1.28261652607737228e03, 2.84423683343917062e03];

    // erfc(x) = exp(-x^2) * C(x) / D(x) for 0.46875 < x <= 4
    static readonly double[] C =
    [
        5.64188496988670089e-1, 8.88314979438837594e00, 6.61191906371416295e01, 2.98635138197400131e02,
        8.81952221241769090e02, 1.71204761263407058e03, 2.05107837782607147e03, 1.23033935479799725e03,
        2.15311535474403846e-8,
    ];
    static readonly double[] D =
    [
        1.57449261107098347e01, 1.17693950891312499e02, 5.37181101862009858e02, 1.62138957456669019e03,
        3.29079923573345963e03, 4.36261909014324716e03, 3.43936767414372164e03, 1.23033935480374942e03,
    ];

    // erfc(x) = exp(-x^2) / x * (1/sqrt(pi) + z * P(z) / Q(z)), z = 1/x^2, for x > 4
    static readonly double[] P = [3.05326634961232344e-1, 3.60344899949804439e-1, 1.25781726111229246e-1, 1.60837851487422766e-2, 6.58749161529837803e-4, 1.63153871373020978e-2];
    static readonly double[] Q = [2.56852019228982242e00, 1.87295284992346047e00, 5.27905102951428412e-1, 6.05183413124413191e-2, 2.33520497626869185e-3];

    const double Threshold = 0.46875;
    const double OneOverSqrtPi = 0.56418958354775628695;

    /// <summary>Beyond this, erfc(x) underflows to 0 in double.</summary>
    const double XBig = 26.543;

    public static double Erf(double x)
    {
        double y = Math.Abs(x);
        if (y <= Threshold) return x * SmallRatio(x * x);
        if (double.IsNaN(x)) return x;
        double tail = ErfcOfPositive(y);
        return x < 0 ? tail - 1 : 1 - tail;
    }

    public static double Erfc(double x)
    {
        double y = Math.Abs(x);
        if (y <= Threshold) return 1 - x * SmallRatio(x * x);
        if (double.IsNaN(x)) return x;
        double tail = ErfcOfPositive(y);
        return x < 0 ? 2 - tail : tail;
    }

    /// <summary>A(z) / B(z), the small-argument approximation of erf(x) / x with z = x^2.</summary>
    static double SmallRatio(double z)
    {
        double num = A[4] * z, den = z;
        for (int i = 0; i < 3; i++)
        {
            num = (num + A[i]) * z;
            den = (den + B[i]) * z;
        }
        return (num + A[3]) / (den + B[3]);
    }

    /// <summary>erfc(y) for y > 0.46875.</summary>
    static double ErfcOfPositive(double y)
    {
        if (y >= XBig) return 0;
        double ratio;
        if (y <= 4)
        {
            double num = C[8] * y, den = y;
            for (int i = 0; i < 7; i++)
            {
                num = (num + C[i]) * y;
                den = (den + D[i]) * y;
            }
            ratio = (num + C[7]) / (den + D[7]);
        }
        else
        {
            double z = 1 / (y * y);
            double num = P[5] * z, den = z;
            for (int i = 0; i < 4; i++)
            {
                num = (num + P[i]) * z;
                den = (den + Q[i]) * z;
            }
            ratio = (OneOverSqrtPi - z * (num + P[4]) / (den + Q[4])) / y;
        }
        return ExpMinusSquare(y) * ratio;
    }

    /// <summary>
    /// exp(-y^2) without the rounding error of forming y^2: split y = r + d with r a multiple of 1/16, so
    /// r^2 is exact and the small remainder (y - r)(y + r) carries the rest.
    /// </summary>
    static double ExpMinusSquare(double y)
    {
        double r = Math.Truncate(y * 16) / 16;
        return Math.Exp(-r * r) * Math.Exp(-(y - r) * (y + r));
    }
}
