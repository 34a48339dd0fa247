using System.Numerics;
using System.Runtime.Intrinsics;

namespace DeepGen.Kernels;

// Elementwise math without parameters. Forward functions take x; backward functions take (g, s) where g is
// the output gradient and s the tensor the op saved (its input x or its result y, as each says), and return
// the input gradient, so each backward is one fused pass.

/// <summary>Small helpers shared by the math functors.</summary>
internal static class MathOps
{
    public static T Const<T>(double value) where T : unmanaged, IFloatingPointIeee754<T> => T.CreateTruncating(value);

    /// <summary>1 / (1 + exp(-x)) without overflow for large |x|.</summary>
    public static T Sigmoid<T>(T x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (x >= T.Zero) return T.One / (T.One + T.Exp(-x));
        T e = T.Exp(x);
        return e / (T.One + e);
    }

    /// <summary>log(1 + x), accurate for tiny x too (.NET's LogP1 is log(1 + x) rounded first).</summary>
    public static double Log1p(double x)
    {
        double u = 1 + x;
        if (u == 1) return x;
        if (double.IsInfinity(u)) return u;
        // the rounding error of u cancels between log(u) and (u - 1)
        return Math.Log(u) * x / (u - 1);
    }

    public const double TwoOverSqrtPi = 1.1283791670955125739;
    public const double SqrtHalf = 0.70710678118654752440;
    public const double OneOverSqrtTwoPi = 0.39894228040143267794;
    public const double SqrtTwoOverPi = 0.79788456080286535588;
    public const double GeluTanhCoefficient = 0.044715;
}

internal struct AbsFn : INumericUnary
{
    // unchecked negation: abs(long.MinValue) wraps, as in PyTorch; IsNegative also turns -0.0 into 0.0
    public static T Apply<T>(T x) where T : unmanaged, INumber<T> => T.IsNegative(x) ? -x : x;
    public static bool Vectorizes<T>() where T : unmanaged, INumber<T> => VectorTypes.IsNumeric<T>();

    // floats: clearing the sign bit is what -x does to a negative x (NaNs included); long: wrapping negation
    public static Vector256<T> ApplyVector<T>(Vector256<T> x) where T : unmanaged, INumber<T> =>
        VectorTypes.IsFloat<T>() ? Vector256.AndNot(x, -Vector256<T>.Zero) : Vector256.ConditionalSelect(Vector256.LessThan(x, Vector256<T>.Zero), -x, x);
}

/// <summary>-1, 0 or 1 (NaN stays NaN).</summary>
internal struct SignFn : INumericUnary
{
    public static T Apply<T>(T x) where T : unmanaged, INumber<T> => x > T.Zero ? T.One : x < T.Zero ? -T.One : x;
    public static bool Vectorizes<T>() where T : unmanaged, INumber<T> => VectorTypes.IsNumeric<T>();

    public static Vector256<T> ApplyVector<T>(Vector256<T> x) where T : unmanaged, INumber<T> =>
        Vector256.ConditionalSelect(Vector256.GreaterThan(x, Vector256<T>.Zero), Vector256<T>.One,
            Vector256.ConditionalSelect(Vector256.LessThan(x, Vector256<T>.Zero), -Vector256<T>.One, x));
}

internal struct SquareFn : INumericUnary
{
    public static T Apply<T>(T x) where T : unmanaged, INumber<T> => x * x;
    public static bool Vectorizes<T>() where T : unmanaged, INumber<T> => VectorTypes.IsFloat<T>();
    public static Vector256<T> ApplyVector<T>(Vector256<T> x) where T : unmanaged, INumber<T> => x * x;
}

/// <summary>max(x, 0); NaN passes through, as in PyTorch.</summary>
internal struct ReluFn : INumericUnary
{
    public static T Apply<T>(T x) where T : unmanaged, INumber<T> => x < T.Zero ? T.Zero : x;
    public static bool Vectorizes<T>() where T : unmanaged, INumber<T> => VectorTypes.IsNumeric<T>();

    // a select on the same comparison, not Max, so NaN and -0.0 come out as in the scalar form
    public static Vector256<T> ApplyVector<T>(Vector256<T> x) where T : unmanaged, INumber<T> =>
        Vector256.ConditionalSelect(Vector256.LessThan(x, Vector256<T>.Zero), Vector256<T>.Zero, x);
}

/// <summary>The larger of a and b; NaN if either is NaN.</summary>
internal struct MaximumFn : INumericBinary
{
    public static T Apply<T>(T a, T b) where T : unmanaged, INumber<T> => T.IsNaN(a) || T.IsNaN(b) ? a + b : a > b ? a : b;
    public static bool Vectorizes<T>() where T : unmanaged, INumber<T> => VectorTypes.IsNumeric<T>();

    public static Vector256<T> ApplyVector<T>(Vector256<T> a, Vector256<T> b) where T : unmanaged, INumber<T> =>
        Vector256.ConditionalSelect(Vector256.IsNaN(a) | Vector256.IsNaN(b), a + b, Vector256.ConditionalSelect(Vector256.GreaterThan(a, b), a, b));
}

internal struct MinimumFn : INumericBinary
{
    public static T Apply<T>(T a, T b) where T : unmanaged, INumber<T> => T.IsNaN(a) || T.IsNaN(b) ? a + b : a < b ? a : b;
    public static bool Vectorizes<T>() where T : unmanaged, INumber<T> => VectorTypes.IsNumeric<T>();

    public static Vector256<T> ApplyVector<T>(Vector256<T> a, Vector256<T> b) where T : unmanaged, INumber<T> =>
        Vector256.ConditionalSelect(Vector256.IsNaN(a) | Vector256.IsNaN(b), a + b, Vector256.ConditionalSelect(Vector256.LessThan(a, b), a, b));
}

internal struct SqrtFn : IFloatUnary
{
    public static T Apply<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => T.Sqrt(x);
    public static bool Vectorizes<T>() where T : unmanaged, IFloatingPointIeee754<T> => true;
    public static Vector256<T> ApplyVector<T>(Vector256<T> x) where T : unmanaged, IFloatingPointIeee754<T> =>
        Vector256.Sqrt(x);
}

internal struct RsqrtFn : IFloatUnary
{
    public static T Apply<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => T.One / T.Sqrt(x);
    public static bool Vectorizes<T>() where T : unmanaged, IFloatingPointIeee754<T> => true;
    public static Vector256<T> ApplyVector<T>(Vector256<T> x) where T : unmanaged, IFloatingPointIeee754<T> =>
        Vector256<T>.One / Vector256.Sqrt(x);
}

internal struct SinFn : IFloatUnary
{
    public static T Apply<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => T.Sin(x);
}

internal struct CosFn : IFloatUnary
{
    public static T Apply<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => T.Cos(x);
}

internal struct TanhFn : IFloatUnary
{
    public static T Apply<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => T.Tanh(x);
    public static bool Vectorizes<T>() where T : unmanaged, IFloatingPointIeee754<T> => typeof(T) == typeof(float);
    public static Vector256<T> ApplyVector<T>(Vector256<T> x) where T : unmanaged, IFloatingPointIeee754<T> =>
        VectorMath.Tanh(x.AsSingle()).As<float, T>();
}

internal struct SigmoidFn : IFloatUnary
{
    public static T Apply<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => MathOps.Sigmoid(x);
    public static bool Vectorizes<T>() where T : unmanaged, IFloatingPointIeee754<T> => true;
    public static Vector256<T> ApplyVector<T>(Vector256<T> x) where T : unmanaged, IFloatingPointIeee754<T> =>
        VectorMath.Sigmoid(x);
}

internal struct ErfFn : IFloatUnary
{
    public static T Apply<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => Cast.FromDouble<T>(ErfMath.Erf(Cast.ToDouble(x)));
    public static bool Vectorizes<T>() where T : unmanaged, IFloatingPointIeee754<T> => true;
    public static Vector256<T> ApplyVector<T>(Vector256<T> x) where T : unmanaged, IFloatingPointIeee754<T> => VectorMath.Erf(x);
}

internal struct ErfcFn : IFloatUnary
{
    public static T Apply<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => Cast.FromDouble<T>(ErfMath.Erfc(Cast.ToDouble(x)));
    public static bool Vectorizes<T>() where T : unmanaged, IFloatingPointIeee754<T> => true;
    public static Vector256<T> ApplyVector<T>(Vector256<T> x) where T : unmanaged, IFloatingPointIeee754<T> => VectorMath.Erfc(x);
}

/// <summary>x * Phi(x), computed in double as x/2 * erfc(-x/sqrt 2), which keeps its accuracy for negative x.</summary>
internal struct GeluFn : IFloatUnary
{
    public static T Apply<T>(T x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        double v = Cast.ToDouble(x);
        return Cast.FromDouble<T>(0.5 * v * ErfMath.Erfc(-v * MathOps.SqrtHalf));
    }

    public static bool Vectorizes<T>() where T : unmanaged, IFloatingPointIeee754<T> => true;
    public static Vector256<T> ApplyVector<T>(Vector256<T> x) where T : unmanaged, IFloatingPointIeee754<T> => VectorMath.Gelu(x);
    public static bool VectorizesWide<T>() where T : unmanaged, IFloatingPointIeee754<T> => typeof(T) == typeof(float);
    public static Vector512<T> ApplyWide<T>(Vector512<T> x) where T : unmanaged, IFloatingPointIeee754<T> => FloatGelu.Gelu(x.AsSingle()).As<float, T>();
}

/// <summary>PyTorch's gelu(approximate="tanh"): x/2 * (1 + tanh(sqrt(2/pi) * (x + 0.044715 x^3))).</summary>
internal struct GeluTanhFn : IFloatUnary
{
    public static T Apply<T>(T x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T inner = MathOps.Const<T>(MathOps.SqrtTwoOverPi) * (x + MathOps.Const<T>(MathOps.GeluTanhCoefficient) * x * x * x);
        return MathOps.Const<T>(0.5) * x * (T.One + T.Tanh(inner));
    }

    public static bool Vectorizes<T>() where T : unmanaged, IFloatingPointIeee754<T> => typeof(T) == typeof(float);

    public static Vector256<T> ApplyVector<T>(Vector256<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var inner = Splat<T>(MathOps.SqrtTwoOverPi) * (x + Splat<T>(MathOps.GeluTanhCoefficient) * x * x * x);
        return Splat<T>(0.5) * x * (Vector256<T>.One + VectorMath.Tanh(inner.AsSingle()).As<float, T>());
    }

    static Vector256<T> Splat<T>(double value) where T : unmanaged, IFloatingPointIeee754<T> => Vector256.Create(MathOps.Const<T>(value));
}

internal struct SiluFn : IFloatUnary
{
    // float through double, as the vector form: below about -87 sigmoid(x) is a float subnormal, whose few bits
    // made x * sigmoid(x) 3 ulp off where the vectors are not accelerated (x of -90: 1.0693759e-37 for 1.0693756e-37)
    public static T Apply<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> =>
        typeof(T) == typeof(float) ? Cast.FromDouble<T>(Apply(Cast.ToDouble(x))) : x * MathOps.Sigmoid(x);
    public static bool Vectorizes<T>() where T : unmanaged, IFloatingPointIeee754<T> => true;
    public static Vector256<T> ApplyVector<T>(Vector256<T> x) where T : unmanaged, IFloatingPointIeee754<T> =>
        VectorMath.Silu(x);
}

internal struct PowFn : IFloatBinary
{
    public static T Apply<T>(T a, T b) where T : unmanaged, IFloatingPointIeee754<T> => T.Pow(a, b);
}

// ---- backward functions: (g, saved) -> input gradient ----

/// <summary>g * sign(x); zero at x = 0, as PyTorch.</summary>
internal struct AbsBackwardFn : IFloatBinary
{
    public static T Apply<T>(T g, T x) where T : unmanaged, IFloatingPointIeee754<T> => g * SignFn.Apply(x);
    public static bool Vectorizes<T>() where T : unmanaged, IFloatingPointIeee754<T> => true;
    public static Vector256<T> ApplyVector<T>(Vector256<T> g, Vector256<T> s) where T : unmanaged, IFloatingPointIeee754<T> =>
        g * SignFn.ApplyVector(s);
}

internal struct SquareBackwardFn : IFloatBinary
{
    public static T Apply<T>(T g, T x) where T : unmanaged, IFloatingPointIeee754<T> => g * (x + x);
    public static bool Vectorizes<T>() where T : unmanaged, IFloatingPointIeee754<T> => true;
    public static Vector256<T> ApplyVector<T>(Vector256<T> g, Vector256<T> s) where T : unmanaged, IFloatingPointIeee754<T> =>
        g * (s + s);
}

/// <summary>Saved: y = sqrt(x).</summary>
internal struct SqrtBackwardFn : IFloatBinary
{
    public static T Apply<T>(T g, T y) where T : unmanaged, IFloatingPointIeee754<T> => g / (y + y);
    public static bool Vectorizes<T>() where T : unmanaged, IFloatingPointIeee754<T> => true;
    public static Vector256<T> ApplyVector<T>(Vector256<T> g, Vector256<T> s) where T : unmanaged, IFloatingPointIeee754<T> =>
        g / (s + s);
}

/// <summary>Saved: y = 1/sqrt(x); d/dx = -y^3 / 2.</summary>
internal struct RsqrtBackwardFn : IFloatBinary
{
    public static T Apply<T>(T g, T y) where T : unmanaged, IFloatingPointIeee754<T> => MathOps.Const<T>(-0.5) * g * y * y * y;
    public static bool Vectorizes<T>() where T : unmanaged, IFloatingPointIeee754<T> => true;
    public static Vector256<T> ApplyVector<T>(Vector256<T> g, Vector256<T> s) where T : unmanaged, IFloatingPointIeee754<T> =>
        Vector256.Create(MathOps.Const<T>(-0.5)) * g * s * s * s;
}

internal struct SinBackwardFn : IFloatBinary
{
    public static T Apply<T>(T g, T x) where T : unmanaged, IFloatingPointIeee754<T> => g * T.Cos(x);
}

internal struct CosBackwardFn : IFloatBinary
{
    public static T Apply<T>(T g, T x) where T : unmanaged, IFloatingPointIeee754<T> => -g * T.Sin(x);
}

/// <summary>Saved: y = tanh(x).</summary>
internal struct TanhBackwardFn : IFloatBinary
{
    public static T Apply<T>(T g, T y) where T : unmanaged, IFloatingPointIeee754<T> => g * (T.One - y * y);
    public static bool Vectorizes<T>() where T : unmanaged, IFloatingPointIeee754<T> => true;
    public static Vector256<T> ApplyVector<T>(Vector256<T> g, Vector256<T> s) where T : unmanaged, IFloatingPointIeee754<T> =>
        g * (Vector256<T>.One - s * s);
}

/// <summary>Saved: y = sigmoid(x).</summary>
internal struct SigmoidBackwardFn : IFloatBinary
{
    public static T Apply<T>(T g, T y) where T : unmanaged, IFloatingPointIeee754<T> => g * y * (T.One - y);
    public static bool Vectorizes<T>() where T : unmanaged, IFloatingPointIeee754<T> => true;
    public static Vector256<T> ApplyVector<T>(Vector256<T> g, Vector256<T> s) where T : unmanaged, IFloatingPointIeee754<T> =>
        g * s * (Vector256<T>.One - s);
}

/// <summary>Saved: y = relu(x); the gradient at x = 0 is 0, as PyTorch's threshold_backward.</summary>
internal struct ReluBackwardFn : IFloatBinary
{
    public static T Apply<T>(T g, T y) where T : unmanaged, IFloatingPointIeee754<T> => y > T.Zero ? g : T.Zero;
    public static bool Vectorizes<T>() where T : unmanaged, IFloatingPointIeee754<T> => true;
    public static Vector256<T> ApplyVector<T>(Vector256<T> g, Vector256<T> s) where T : unmanaged, IFloatingPointIeee754<T> =>
        Vector256.ConditionalSelect(Vector256.GreaterThan(s, Vector256<T>.Zero), g, Vector256<T>.Zero);
    public static bool VectorizesWide<T>() where T : unmanaged, IFloatingPointIeee754<T> => true;
    public static Vector512<T> ApplyWide<T>(Vector512<T> g, Vector512<T> s) where T : unmanaged, IFloatingPointIeee754<T> =>
        Vector512.ConditionalSelect(Vector512.GreaterThan(s, Vector512<T>.Zero), g, Vector512<T>.Zero);
}

internal struct ErfBackwardFn : IFloatBinary
{
    public static T Apply<T>(T g, T x) where T : unmanaged, IFloatingPointIeee754<T> => g * MathOps.Const<T>(MathOps.TwoOverSqrtPi) * T.Exp(-x * x);
    public static bool Vectorizes<T>() where T : unmanaged, IFloatingPointIeee754<T> => true;

    public static Vector256<T> ApplyVector<T>(Vector256<T> g, Vector256<T> x) where T : unmanaged, IFloatingPointIeee754<T> =>
        g * Vector256.Create(MathOps.Const<T>(MathOps.TwoOverSqrtPi)) * VectorMath.Exp(-x * x);
}

internal struct ErfcBackwardFn : IFloatBinary
{
    public static T Apply<T>(T g, T x) where T : unmanaged, IFloatingPointIeee754<T> => -g * MathOps.Const<T>(MathOps.TwoOverSqrtPi) * T.Exp(-x * x);
    public static bool Vectorizes<T>() where T : unmanaged, IFloatingPointIeee754<T> => true;

    public static Vector256<T> ApplyVector<T>(Vector256<T> g, Vector256<T> x) where T : unmanaged, IFloatingPointIeee754<T> =>
        -g * Vector256.Create(MathOps.Const<T>(MathOps.TwoOverSqrtPi)) * VectorMath.Exp(-x * x);
}

/// <summary>d/dx x Phi(x) = Phi(x) + x phi(x).</summary>
internal struct GeluBackwardFn : IFloatBinary
{
    public static T Apply<T>(T g, T x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        double v = Cast.ToDouble(x);
        double cdf = 0.5 * ErfMath.Erfc(-v * MathOps.SqrtHalf);
        double pdf = MathOps.OneOverSqrtTwoPi * Math.Exp(-0.5 * v * v);
        return g * Cast.FromDouble<T>(cdf + v * pdf);
    }

    public static bool Vectorizes<T>() where T : unmanaged, IFloatingPointIeee754<T> => true;
    public static Vector256<T> ApplyVector<T>(Vector256<T> g, Vector256<T> x) where T : unmanaged, IFloatingPointIeee754<T> => g * VectorMath.GeluDerivative(x);
    public static bool VectorizesWide<T>() where T : unmanaged, IFloatingPointIeee754<T> => typeof(T) == typeof(float);
    public static Vector512<T> ApplyWide<T>(Vector512<T> g, Vector512<T> x) where T : unmanaged, IFloatingPointIeee754<T> => g * FloatGelu.GeluDerivative(x.AsSingle()).As<float, T>();
}

/// <summary>The derivative of the tanh approximation, in PyTorch's arrangement.</summary>
internal struct GeluTanhBackwardFn : IFloatBinary
{
    public static T Apply<T>(T g, T x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T k = MathOps.Const<T>(MathOps.SqrtTwoOverPi), c = MathOps.Const<T>(MathOps.GeluTanhCoefficient), half = MathOps.Const<T>(0.5);
        T x2 = x * x;
        T t = T.Tanh(k * (x + c * x2 * x));
        T left = half * x, right = T.One + t;
        T leftDerivative = half * right;
        T rightDerivative = left * (T.One - t * t) * k * (T.One + MathOps.Const<T>(3) * c * x2);
        return g * (leftDerivative + rightDerivative);
    }

    public static bool Vectorizes<T>() where T : unmanaged, IFloatingPointIeee754<T> => typeof(T) == typeof(float);

    public static Vector256<T> ApplyVector<T>(Vector256<T> g, Vector256<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Vector256<T> k = Vector256.Create(MathOps.Const<T>(MathOps.SqrtTwoOverPi)), c = Vector256.Create(MathOps.Const<T>(MathOps.GeluTanhCoefficient));
        Vector256<T> half = Vector256.Create(MathOps.Const<T>(0.5)), one = Vector256<T>.One;
        var x2 = x * x;
        var t = VectorMath.Tanh((k * (x + c * x2 * x)).AsSingle()).As<float, T>();
        Vector256<T> left = half * x, right = one + t;
        var leftDerivative = half * right;
        var rightDerivative = left * (one - t * t) * k * (one + Vector256.Create(MathOps.Const<T>(3)) * c * x2);
        return g * (leftDerivative + rightDerivative);
    }
}

/// <summary>d/dx x sigmoid(x) = s (1 + x (1 - s)).</summary>
internal struct SiluBackwardFn : IFloatBinary
{
    public static T Apply<T>(T g, T x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T s = MathOps.Sigmoid(x);
        return g * s * (T.One + x * (T.One - s));
    }

    public static bool Vectorizes<T>() where T : unmanaged, IFloatingPointIeee754<T> => true;

    public static Vector256<T> ApplyVector<T>(Vector256<T> g, Vector256<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var s = VectorMath.Sigmoid(x);
        return g * s * (Vector256<T>.One + x * (Vector256<T>.One - s));
    }
}
