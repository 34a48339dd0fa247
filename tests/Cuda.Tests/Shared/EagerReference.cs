using DeepGen.Fusion.Ir;
using DeepGen.Kernels;

namespace DeepGen.Cuda.Tests;

/// <summary>
/// One step of a kernel computed by the eager runtime's own scalar functors (src/Runtime/Kernels), in double
/// for floating types and in long for int64, so the emitted CUDA is checked against the semantics the eager
/// path defines. Operands arrive already converted to the step's compute type.
/// </summary>
public static class EagerReference
{
    /// <summary>The step's value; bools are 0 or 1.</summary>
    public static double Apply(string op, Attrs attrs, ScalarType compute, double[] a)
    {
        if (compute == ScalarType.Int64 && IntegerOp(op, Array.ConvertAll(a, v => (long)v)) is { } whole)
        {
            return whole;
        }

        bool tanh = attrs.Text("approximate", "none") == "tanh";
        double x = a[0];
        double y = a.Length > 1 ? a[1] : 0;
        return op switch
        {
            "neg" => -x,
            "relu" => ReluFn.Apply(x),
            "gelu" => tanh ? GeluTanhFn.Apply(x) : GeluFn.Apply(x),
            "silu" => SiluFn.Apply(x),
            "tanh" => TanhFn.Apply(x),
            "sigmoid" => SigmoidFn.Apply(x),
            "exp" => ExpFn.Apply(x),
            "log" => LogFn.Apply(x),
            "sqrt" => SqrtFn.Apply(x),
            "rsqrt" => RsqrtFn.Apply(x),
            "abs" => AbsFn.Apply(x),
            "sign" => SignFn.Apply(x),
            "add" => x + y,
            "sub" => x - y,
            "mul" => x * y,
            "div" => x / y,
            "pow" => PowFn.Apply(x, y),
            "maximum" => MaximumFn.Apply(x, y),
            "minimum" => MinimumFn.Apply(x, y),
            "gt" => Bit(x > y),
            "lt" => Bit(x < y),
            "ge" => Bit(x >= y),
            "le" => Bit(x <= y),
            "eq" => Bit(x == y),
            "ne" => Bit(x != y),
            "where" => x != 0 ? y : a[2],
            "relu_backward" => ReluBackwardFn.Apply(x, y),
            "gelu_backward" => tanh ? GeluTanhBackwardFn.Apply(x, y) : GeluBackwardFn.Apply(x, y),
            "silu_backward" => SiluBackwardFn.Apply(x, y),
            "tanh_backward" => TanhBackwardFn.Apply(x, y),
            "sigmoid_backward" => SigmoidBackwardFn.Apply(x, y),
            _ => throw new NotSupportedException($"The reference has no formula for '{op}': add one when the op table grows."),
        };
    }

    /// <summary>The ops whose int64 form differs from the double one (exact integer results); null for the others.</summary>
    private static long? IntegerOp(string op, long[] a) => op switch
    {
        "neg" => -a[0],
        "relu" => ReluFn.Apply(a[0]),
        "abs" => AbsFn.Apply(a[0]),
        "sign" => SignFn.Apply(a[0]),
        "add" => a[0] + a[1],
        "sub" => a[0] - a[1],
        "mul" => a[0] * a[1],
        "maximum" => MaximumFn.Apply(a[0], a[1]),
        "minimum" => MinimumFn.Apply(a[0], a[1]),
        "pow" => IntegerPow(a[0], a[1]),
        _ => null,
    };

    /// <summary>PyTorch's integer power: exact; a negative exponent gives 0 unless |base| is 1.</summary>
    private static long IntegerPow(long x, long e)
    {
        if (e < 0)
        {
            return x == 1 ? 1 : x == -1 ? ((e & 1) != 0 ? -1 : 1) : 0;
        }

        long result = 1;
        for (; e > 0; e--)
        {
            result *= x;
        }

        return result;
    }

    private static double Bit(bool b) => b ? 1 : 0;
}
