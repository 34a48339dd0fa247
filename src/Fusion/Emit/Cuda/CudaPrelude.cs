namespace DeepGen.Fusion.Emit.Cuda;

/// <summary>
/// The device functions every emitted CUDA module starts with: one <c>dg_*</c> function per name that the op
/// table's CUDA formulas call. The math is the eager CPU runtime's (src/Runtime/Kernels/MathFunctors.cs):
/// the same formulas in the same arrangement, computed in the element type (float or double).
/// </summary>
public static class CudaPrelude
{
    /// <summary>The prelude's CUDA C source.</summary>
    public const string Source = """
// ---- DeepGen CUDA prelude: the scalar functions of the fused pointwise kernels ----
#define DG_DEVICE static __device__ __forceinline__

// Math library calls by element type (the float forms use the single-precision functions).
DG_DEVICE float dg_exp(float x) { return expf(x); }
DG_DEVICE double dg_exp(double x) { return exp(x); }
DG_DEVICE float dg_log(float x) { return logf(x); }
DG_DEVICE double dg_log(double x) { return log(x); }
DG_DEVICE float dg_sqrt(float x) { return sqrtf(x); }
DG_DEVICE double dg_sqrt(double x) { return sqrt(x); }
DG_DEVICE float dg_rsqrt(float x) { return 1.0f / sqrtf(x); }
DG_DEVICE double dg_rsqrt(double x) { return 1.0 / sqrt(x); }
DG_DEVICE float dg_tanh(float x) { return tanhf(x); }
DG_DEVICE double dg_tanh(double x) { return tanh(x); }
DG_DEVICE float dg_erfc(float x) { return erfcf(x); }
DG_DEVICE double dg_erfc(double x) { return erfc(x); }
DG_DEVICE float dg_abs(float x) { return fabsf(x); }
DG_DEVICE double dg_abs(double x) { return fabs(x); }
DG_DEVICE long long dg_abs(long long x) { return x < 0 ? -x : x; }
DG_DEVICE float dg_pow(float a, float b) { return powf(a, b); }
DG_DEVICE double dg_pow(double a, double b) { return pow(a, b); }

// Integer power as PyTorch computes it: exact by squaring; a negative exponent gives 0 unless |a| is 1.
DG_DEVICE long long dg_pow(long long a, long long b)
{
    if (b < 0) return a == 1 ? 1 : a == -1 ? ((b & 1) ? -1 : 1) : 0;
    long long result = 1;
    while (b > 0)
    {
        if (b & 1) result *= a;
        a *= a;
        b >>= 1;
    }
    return result;
}

// max(x, 0); NaN passes through.
template <typename T> DG_DEVICE T dg_relu(T x) { return x < T(0) ? T(0) : x; }

// -1, 0 or 1; NaN stays NaN.
template <typename T> DG_DEVICE T dg_sign(T x) { return x > T(0) ? T(1) : x < T(0) ? T(-1) : x; }

// The larger / smaller of a and b; NaN if either is NaN (x != x only for NaN).
template <typename T> DG_DEVICE T dg_max(T a, T b) { return (a != a || b != b) ? a + b : a > b ? a : b; }
template <typename T> DG_DEVICE T dg_min(T a, T b) { return (a != a || b != b) ? a + b : a < b ? a : b; }

// 1 / (1 + exp(-x)) without overflow for large |x|.
template <typename T> DG_DEVICE T dg_sigmoid(T x)
{
    if (x >= T(0)) return T(1) / (T(1) + dg_exp(-x));
    T e = dg_exp(x);
    return e / (T(1) + e);
}

template <typename T> DG_DEVICE T dg_silu(T x) { return x * dg_sigmoid(x); }

// gelu (approximate="none"): x * Phi(x) = x/2 * erfc(-x/sqrt 2), accurate for negative x too.
template <typename T> DG_DEVICE T dg_gelu(T x) { return T(0.5) * x * dg_erfc(-x * T(0.70710678118654752440)); }

// gelu (approximate="tanh"): x/2 * (1 + tanh(sqrt(2/pi) * (x + 0.044715 x^3))).
template <typename T> DG_DEVICE T dg_gelu_tanh(T x)
{
    T inner = T(0.79788456080286535588) * (x + T(0.044715) * x * x * x);
    return T(0.5) * x * (T(1) + dg_tanh(inner));
}

// ---- backward functions: (g, saved) -> input gradient; saved is the op's input x or its result y ----

// saved y = relu(x); the gradient at x = 0 is 0 (PyTorch's threshold_backward).
template <typename T> DG_DEVICE T dg_relu_backward(T g, T y) { return y > T(0) ? g : T(0); }

// saved x: d/dx x Phi(x) = Phi(x) + x phi(x).
template <typename T> DG_DEVICE T dg_gelu_backward(T g, T x)
{
    T cdf = T(0.5) * dg_erfc(-x * T(0.70710678118654752440));
    T pdf = T(0.39894228040143267794) * dg_exp(T(-0.5) * x * x);
    return g * (cdf + x * pdf);
}

// saved x: the derivative of the tanh approximation, in PyTorch's arrangement.
template <typename T> DG_DEVICE T dg_gelu_tanh_backward(T g, T x)
{
    const T k = T(0.79788456080286535588), c = T(0.044715), half = T(0.5);
    T x2 = x * x;
    T t = dg_tanh(k * (x + c * x2 * x));
    T left = half * x, right = T(1) + t;
    T left_derivative = half * right;
    T right_derivative = left * (T(1) - t * t) * k * (T(1) + T(3) * c * x2);
    return g * (left_derivative + right_derivative);
}

// saved x: d/dx x sigmoid(x) = s (1 + x (1 - s)).
template <typename T> DG_DEVICE T dg_silu_backward(T g, T x)
{
    T s = dg_sigmoid(x);
    return g * s * (T(1) + x * (T(1) - s));
}

// saved y = tanh(x).
template <typename T> DG_DEVICE T dg_tanh_backward(T g, T y) { return g * (T(1) - y * y); }

// saved y = sigmoid(x).
template <typename T> DG_DEVICE T dg_sigmoid_backward(T g, T y) { return g * y * (T(1) - y); }
// ---- end of prelude ----
""";
}
