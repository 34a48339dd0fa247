namespace DeepGen.Fusion.Tests.Reference;

/// <summary>Scalar formulas of the pointwise ops in float64, written from their textbook definitions.</summary>
internal static class RefMath
{
    private const double TanhGeluScale = 0.7978845608028654; // sqrt(2/pi)

    /// <summary>erf by its Taylor series (|x| &lt;= 3) or its continued-fraction complement: ~1e-15 for test inputs.</summary>
    public static double Erf(double x)
    {
        if (Math.Abs(x) > 3)
        {
            return Math.Sign(x) * (1 - Erfc(Math.Abs(x)));
        }

        double sum = 0;
        double term = x;
        for (int n = 0; n < 100; n++)
        {
            double add = term / ((2 * n) + 1);
            sum += add;
            if (Math.Abs(add) < 1e-17)
            {
                break;
            }

            term *= -x * x / (n + 1);
        }

        return 2 / Math.Sqrt(Math.PI) * sum;
    }

    private static double Erfc(double x)
    {
        // Lentz's continued fraction for x > 3.
        double f = x;
        for (int k = 60; k >= 1; k--)
        {
            f = x + (k / 2.0 / f);
        }

        return Math.Exp(-x * x) / Math.Sqrt(Math.PI) / f;
    }

    public static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));

    public static double Gelu(double x) => 0.5 * x * (1 + Erf(x / Math.Sqrt(2)));

    public static double GeluTanh(double x) => 0.5 * x * (1 + Math.Tanh(TanhGeluScale * (x + (0.044715 * x * x * x))));

    public static double GeluGrad(double x) => (0.5 * (1 + Erf(x / Math.Sqrt(2)))) + (x * Math.Exp(-x * x / 2) / Math.Sqrt(2 * Math.PI));

    public static double GeluTanhGrad(double x)
    {
        double t = Math.Tanh(TanhGeluScale * (x + (0.044715 * x * x * x)));
        return (0.5 * (1 + t)) + (0.5 * x * (1 - (t * t)) * TanhGeluScale * (1 + (3 * 0.044715 * x * x)));
    }

    public static double Apply(string op, double[] a, string approximate) => op switch
    {
        "neg" => -a[0],
        "relu" => a[0] > 0 ? a[0] : 0,
        "gelu" => approximate == "tanh" ? GeluTanh(a[0]) : Gelu(a[0]),
        "silu" => a[0] * Sigmoid(a[0]),
        "tanh" => Math.Tanh(a[0]),
        "sigmoid" => Sigmoid(a[0]),
        "exp" => Math.Exp(a[0]),
        "log" => Math.Log(a[0]),
        "sqrt" => Math.Sqrt(a[0]),
        "rsqrt" => 1 / Math.Sqrt(a[0]),
        "abs" => Math.Abs(a[0]),
        "sign" => Math.Sign(a[0]),
        "add" => a[0] + a[1],
        "sub" => a[0] - a[1],
        "mul" => a[0] * a[1],
        "div" => a[0] / a[1],
        "pow" => Math.Pow(a[0], a[1]),
        "maximum" => Math.Max(a[0], a[1]),
        "minimum" => Math.Min(a[0], a[1]),
        "gt" => a[0] > a[1] ? 1 : 0,
        "lt" => a[0] < a[1] ? 1 : 0,
        "ge" => a[0] >= a[1] ? 1 : 0,
        "le" => a[0] <= a[1] ? 1 : 0,
        "eq" => a[0] == a[1] ? 1 : 0,
        "ne" => a[0] != a[1] ? 1 : 0,
        "where" => a[0] != 0 ? a[1] : a[2],
        "relu_backward" => a[1] > 0 ? a[0] : 0,
        "gelu_backward" => a[0] * (approximate == "tanh" ? GeluTanhGrad(a[1]) : GeluGrad(a[1])),
        "silu_backward" => a[0] * Sigmoid(a[1]) * (1 + (a[1] * (1 - Sigmoid(a[1])))),
        "tanh_backward" => a[0] * (1 - (a[1] * a[1])),
        "sigmoid_backward" => a[0] * a[1] * (1 - a[1]),
        _ => throw new NotSupportedException($"reference: no formula for {op}"),
    };
}
