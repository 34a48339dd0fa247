using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace DeepGen.Kernels;

/// <summary>A function on four double lanes, for <see cref="VectorMath.ViaDouble{TFn}"/>.</summary>
internal interface IDoubleVectorFn
{
    static abstract Vector256<double> Apply(Vector256<double> x);
}

/// <summary>
/// Vector transcendental functions for the elementwise kernels. .NET's own Vector256.Exp is not accurate enough
/// (its float exp(0) is 1.0000001), so exp reduces the argument as fdlibm does and sums the Taylor series to
/// degree 13 with fused multiply-adds: within 1 ulp in double, no division. Float lanes are widened to double,
/// computed there and rounded once, which makes float results correctly rounded in nearly every case, as the
/// scalar MathF functions are.
/// </summary>
internal static class VectorMath
{
    // fdlibm's split of ln 2: Ln2Hi has trailing zero bits, so k * Ln2Hi is exact for the k that occur
    const double Ln2Hi = 6.93147180369123816490e-01, Ln2Lo = 1.90821492927058770002e-10, Log2E = 1.44269504088896338700e+00;

    /// <summary>1.5 * 2^52: adding it rounds a double of magnitude below 2^51 to an integer held in the low mantissa bits.</summary>
    const double RoundingMagic = 6755399441055744.0;

    /// <summary>exp(x) for double lanes, under 1 ulp, with exp's overflow, underflow and NaN behaviour.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> Exp(Vector256<double> x)
    {
        // beyond these exp is already inf or 0; clamping keeps 2^k representable as two factors
        var xc = Vector256.MinNative(Vector256.MaxNative(x, Vector256.Create(-746.0)), Vector256.Create(710.0));
        var magic = Vector256.Create(RoundingMagic);
        var k = (xc * Log2E + magic) - magic;
        // x = k ln2 + r with |r| <= ln(2)/2
        var r = (xc - k * Ln2Hi) - k * Ln2Lo;
        // exp(r) = 1 + r + r^2 q(r); the series' first omitted term is below 1e-17 relative
        var q = Vector256.Create(1.0 / 6227020800);
        q = MulAdd(q, r, 1.0 / 479001600);
        q = MulAdd(q, r, 1.0 / 39916800);
        q = MulAdd(q, r, 1.0 / 3628800);
        q = MulAdd(q, r, 1.0 / 362880);
        q = MulAdd(q, r, 1.0 / 40320);
        q = MulAdd(q, r, 1.0 / 5040);
        q = MulAdd(q, r, 1.0 / 720);
        q = MulAdd(q, r, 1.0 / 120);
        q = MulAdd(q, r, 1.0 / 24);
        q = MulAdd(q, r, 1.0 / 6);
        q = MulAdd(q, r, 0.5);
        var y = Vector256<double>.One + Vector256.MultiplyAddEstimate(r * r, q, r);
        // 2^k as 2^k1 * 2^k2, each a normal double, so results down in the subnormals are rounded only once
        var k1 = Vector256.Floor(k * 0.5);
        var k2 = k - k1;
        var result = y * PowerOfTwo(k1) * PowerOfTwo(k2);
        return Vector256.ConditionalSelect(Vector256.Equals(x, x), result, x);
    }

    /// <summary>a * b + c, fused where the hardware has FMA.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector256<double> MulAdd(Vector256<double> a, Vector256<double> b, double c) => Vector256.MultiplyAddEstimate(a, b, Vector256.Create(c));

    /// <summary>2^k for integral k in [-1022, 1023], built from its exponent bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector256<double> PowerOfTwo(Vector256<double> k) =>
        Vector256.ShiftLeft((k + Vector256.Create(RoundingMagic + 1023)).AsUInt64(), 52).AsDouble();

    /// <summary>
    /// 1 / (1 + exp(-x)) for x &gt;= 0 and exp(x) / (1 + exp(x)) below, the scalar form's arrangement, which
    /// never overflows.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> Sigmoid(Vector256<double> x)
    {
        var e = Exp(x | Vector256.Create(-0.0));
        var onePlus = Vector256<double>.One + e;
        return Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(x, Vector256<double>.Zero), Vector256<double>.One / onePlus, e / onePlus);
    }

    /// <summary>
    /// tanh accurate to about 1e-12 relative: enough for float results (rounded from it), not for double ones.
    /// Small |x| use the series, the rest 1 - 2 / (exp(2|x|) + 1), which loses little there since tanh &gt;= 0.01.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> TanhForFloat(Vector256<double> x)
    {
        var sign = x & Vector256.Create(-0.0);
        // tanh(20) is 1 in double
        var a = Vector256.MinNative(Vector256.AndNot(x, Vector256.Create(-0.0)), Vector256.Create(20.0));
        var e = Exp(a + a);
        var large = Vector256<double>.One - Vector256.Create(2.0) / (e + Vector256<double>.One);
        // x - x^3/3 + 2x^5/15 - 17x^7/315: below 0.01 the next term is under 1e-16 relative
        var a2 = a * a;
        var small = a + a * a2 * (Vector256.Create(-1.0 / 3) + a2 * (Vector256.Create(2.0 / 15) + a2 * Vector256.Create(-17.0 / 315)));
        var magnitude = Vector256.ConditionalSelect(Vector256.LessThan(a, Vector256.Create(0.01)), small, large);
        return Vector256.ConditionalSelect(Vector256.Equals(x, x), magnitude | sign, x);
    }

    /// <summary>Applies a double function to float lanes: widened exactly, rounded back once.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> ViaDouble<TFn>(Vector256<float> x) where TFn : struct, IDoubleVectorFn
    {
        var (lower, upper) = Vector256.Widen(x);
        return Vector256.Narrow(TFn.Apply(lower), TFn.Apply(upper));
    }

    // ---- generic entry points for the functors (T is float or double) ----

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Exp<T>(Vector256<T> x) where T : unmanaged =>
        typeof(T) == typeof(double) ? Exp(x.AsDouble()).As<double, T>() : ViaDouble<ExpOp>(x.AsSingle()).As<float, T>();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Sigmoid<T>(Vector256<T> x) where T : unmanaged =>
        typeof(T) == typeof(double) ? Sigmoid(x.AsDouble()).As<double, T>() : ViaDouble<SigmoidOp>(x.AsSingle()).As<float, T>();

    /// <summary>x * sigmoid(x); float lanes compute it in double and round once.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Silu<T>(Vector256<T> x) where T : unmanaged =>
        typeof(T) == typeof(double) ? SiluOp.Apply(x.AsDouble()).As<double, T>() : ViaDouble<SiluOp>(x.AsSingle()).As<float, T>();

    /// <summary>Float lanes only (see <see cref="TanhForFloat"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Tanh(Vector256<float> x) => ViaDouble<TanhOp>(x);

    /// <summary>
    /// erf and erfc as in their scalar forms (double arithmetic, one rounding to float); float lanes take
    /// <see cref="FloatErf"/>'s eight-double-lane form where 512-bit vectors are fast.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Erf<T>(Vector256<T> x) where T : unmanaged =>
        typeof(T) == typeof(double) ? VectorErf.Erf(x.AsDouble(), forFloat: false).As<double, T>()
            : FloatErf.IsSupported ? FloatErf.Erf(x.AsSingle()).As<float, T>() : ViaDouble<ErfOp>(x.AsSingle()).As<float, T>();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Erfc<T>(Vector256<T> x) where T : unmanaged =>
        typeof(T) == typeof(double) ? VectorErf.Erfc(x.AsDouble(), forFloat: false).As<double, T>()
            : FloatErf.IsSupported ? FloatErf.Erfc(x.AsSingle()).As<float, T>() : ViaDouble<ErfcOp>(x.AsSingle()).As<float, T>();

    /// <summary>Exact GELU: in double for double lanes; float lanes take <see cref="FloatGelu"/>'s float-arithmetic form.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Gelu<T>(Vector256<T> x) where T : unmanaged =>
        typeof(T) == typeof(double) ? Gelu(x.AsDouble()).As<double, T>() : FloatGelu.Gelu(x.AsSingle()).As<float, T>();

    /// <summary>d/dx x Phi(x) = Phi(x) + x phi(x), in double for double lanes, by <see cref="FloatGelu"/> for float lanes (the caller multiplies by the gradient in T).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> GeluDerivative<T>(Vector256<T> x) where T : unmanaged =>
        typeof(T) == typeof(double) ? GeluDerivative(x.AsDouble()).As<double, T>() : FloatGelu.GeluDerivative(x.AsSingle()).As<float, T>();

    static Vector256<double> Gelu(Vector256<double> v) => Vector256.Create(0.5) * v * VectorErf.Erfc(-v * MathOps.SqrtHalf, forFloat: false);

    static Vector256<double> GeluDerivative(Vector256<double> v)
    {
        var cdf = Vector256.Create(0.5) * VectorErf.Erfc(-v * MathOps.SqrtHalf, forFloat: false);
        var pdf = Vector256.Create(MathOps.OneOverSqrtTwoPi) * Exp(Vector256.Create(-0.5) * v * v);
        return cdf + v * pdf;
    }

    // the float forms of the erf family, for ViaDouble

    struct ErfOp : IDoubleVectorFn
    {
        public static Vector256<double> Apply(Vector256<double> x) => VectorErf.Erf(x, forFloat: true);
    }

    struct ErfcOp : IDoubleVectorFn
    {
        public static Vector256<double> Apply(Vector256<double> x) => VectorErf.Erfc(x, forFloat: true);
    }

    struct ExpOp : IDoubleVectorFn
    {
        public static Vector256<double> Apply(Vector256<double> x) => Exp(x);
    }

    struct SigmoidOp : IDoubleVectorFn
    {
        public static Vector256<double> Apply(Vector256<double> x) => Sigmoid(x);
    }

    struct SiluOp : IDoubleVectorFn
    {
        public static Vector256<double> Apply(Vector256<double> x) => x * Sigmoid(x);
    }

    struct TanhOp : IDoubleVectorFn
    {
        public static Vector256<double> Apply(Vector256<double> x) => TanhForFloat(x);
    }
}
