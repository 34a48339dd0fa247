using System.Runtime.Intrinsics;
using DeepGen.Compiled;

namespace DeepGen.Tests.Compiled;

/// <summary>
/// Pw's functions inside fused kernels (SIMD body, scalar tail) against the eager ops, in float32 and float64,
/// at sizes that hit vector tails. Both sides run the same functors, so the results must agree to the last
/// bits (a tolerance of a few ulps covers a lane whose path differs).
/// </summary>
public class PwTests
{
    public static readonly int[] Sizes = [1, 7, 33, 1000];

    /// <summary>A fused kernel of one unary function, as generated code would write it, with the function passed in.</summary>
    struct Unary32(Func<Vector256<float>, Vector256<float>> vector, Func<float, float> scalar) : IPointwiseKernel
    {
        public void Apply(PointwiseBlock block)
        {
            ReadOnlySpan<float> in0 = block.Input<float>(0);
            Span<float> out0 = block.Output<float>(0);
            int i = 0;
            for (; i <= block.Length - Vector256<float>.Count; i += Vector256<float>.Count) Pw.Store(vector(Pw.Load(in0, i)), out0, i);
            for (; i < block.Length; i++) out0[i] = scalar(in0[i]);
        }
    }

    struct Unary64(Func<Vector256<double>, Vector256<double>> vector, Func<double, double> scalar) : IPointwiseKernel
    {
        public void Apply(PointwiseBlock block)
        {
            ReadOnlySpan<double> in0 = block.Input<double>(0);
            Span<double> out0 = block.Output<double>(0);
            int i = 0;
            for (; i <= block.Length - Vector256<double>.Count; i += Vector256<double>.Count) Pw.Store(vector(Pw.Load(in0, i)), out0, i);
            for (; i < block.Length; i++) out0[i] = scalar(in0[i]);
        }
    }

    struct Binary32(Func<Vector256<float>, Vector256<float>, Vector256<float>> vector, Func<float, float, float> scalar) : IPointwiseKernel
    {
        public void Apply(PointwiseBlock block)
        {
            ReadOnlySpan<float> in0 = block.Input<float>(0), in1 = block.Input<float>(1);
            Span<float> out0 = block.Output<float>(0);
            int i = 0;
            for (; i <= block.Length - Vector256<float>.Count; i += Vector256<float>.Count) Pw.Store(vector(Pw.Load(in0, i), Pw.Load(in1, i)), out0, i);
            for (; i < block.Length; i++) out0[i] = scalar(in0[i], in1[i]);
        }
    }

    struct Binary64(Func<Vector256<double>, Vector256<double>, Vector256<double>> vector, Func<double, double, double> scalar) : IPointwiseKernel
    {
        public void Apply(PointwiseBlock block)
        {
            ReadOnlySpan<double> in0 = block.Input<double>(0), in1 = block.Input<double>(1);
            Span<double> out0 = block.Output<double>(0);
            int i = 0;
            for (; i <= block.Length - Vector256<double>.Count; i += Vector256<double>.Count) Pw.Store(vector(Pw.Load(in0, i), Pw.Load(in1, i)), out0, i);
            for (; i < block.Length; i++) out0[i] = scalar(in0[i], in1[i]);
        }
    }

    static Tensor Values(int n, DType dtype, ulong seed, double lo = -4, double hi = 4)
    {
        var g = new Generator(seed);
        var v = new double[n];
        for (int i = 0; i < n; i++) v[i] = lo + (hi - lo) * g.NextDouble();
        if (n > 3) v[3] = 0;
        return Tensor.FromArray(v).To(dtype);
    }

    static void AssertClose(Tensor expected, Tensor actual, string what)
    {
        var e = expected.ToArray<double>();
        var a = actual.ToArray<double>();
        Assert.Equal(e.Length, a.Length);
        double tolerance = expected.DType == DType.Float32 ? 4e-7 : 1e-15;
        for (int i = 0; i < e.Length; i++)
        {
            double scale = Math.Max(1, Math.Abs(e[i]));
            Assert.True(e[i].Equals(a[i]) || Math.Abs(e[i] - a[i]) <= tolerance * scale || (double.IsNaN(e[i]) && double.IsNaN(a[i])), $"{what} [{i}]: eager {e[i]:R}, compiled {a[i]:R}");
        }
    }

    public static TheoryData<string> UnaryNames => new() { "relu", "gelu", "gelu_tanh", "silu", "tanh", "sigmoid", "exp", "log", "sqrt", "rsqrt", "abs", "sign" };

    static (Func<Tensor, Tensor> Eager, Unary32 F32, Unary64 F64, double Lo) Unary(string name) => name switch
    {
        "relu" => (t => t.Relu(), new(Pw.Relu, Pw.Relu), new(Pw.Relu, Pw.Relu), -4),
        "gelu" => (t => t.Gelu(), new(Pw.Gelu, Pw.Gelu), new(Pw.Gelu, Pw.Gelu), -4),
        "gelu_tanh" => (t => t.Gelu("tanh"), new(Pw.GeluTanh, Pw.GeluTanh), new(Pw.GeluTanh, Pw.GeluTanh), -4),
        "silu" => (t => t.Silu(), new(Pw.Silu, Pw.Silu), new(Pw.Silu, Pw.Silu), -4),
        "tanh" => (t => t.Tanh(), new(Pw.Tanh, Pw.Tanh), new(Pw.Tanh, Pw.Tanh), -4),
        "sigmoid" => (t => t.Sigmoid(), new(Pw.Sigmoid, Pw.Sigmoid), new(Pw.Sigmoid, Pw.Sigmoid), -4),
        "exp" => (t => t.Exp(), new(Pw.Exp, Pw.Exp), new(Pw.Exp, Pw.Exp), -4),
        "log" => (t => t.Log(), new(Pw.Log, Pw.Log), new(Pw.Log, Pw.Log), 0.01),
        "sqrt" => (t => t.Sqrt(), new(Pw.Sqrt, Pw.Sqrt), new(Pw.Sqrt, Pw.Sqrt), 0),
        "rsqrt" => (t => t.Rsqrt(), new(Pw.Rsqrt, Pw.Rsqrt), new(Pw.Rsqrt, Pw.Rsqrt), 0.01),
        "abs" => (t => t.Abs(), new(Pw.Abs, Pw.Abs), new(Pw.Abs, Pw.Abs), -4),
        _ => (t => t.Sign(), new(Pw.Sign, Pw.Sign), new(Pw.Sign, Pw.Sign), -4),
    };

    [Theory]
    [MemberData(nameof(UnaryNames))]
    public void Unary_functions_match_the_eager_ops(string name)
    {
        var (eager, f32, f64, lo) = Unary(name);
        foreach (int n in Sizes)
        {
            var x32 = Values(n, DType.Float32, (ulong)n, lo);
            AssertClose(eager(x32), Pointwise.Run(name, f32, [x32], [DType.Float32])[0], $"{name} f32 n={n}");
            var x64 = Values(n, DType.Float64, (ulong)n + 1, lo);
            AssertClose(eager(x64), Pointwise.Run(name, f64, [x64], [DType.Float64])[0], $"{name} f64 n={n}");
        }
    }

    public static TheoryData<string> BinaryNames => new() { "pow", "max", "min", "where_gt", "relu_backward", "gelu_backward", "gelu_tanh_backward", "silu_backward", "tanh_backward", "sigmoid_backward" };

    /// <summary>Each binary function against its eager counterpart: for the derivatives, the input gradient of the eager op.</summary>
    static (Func<Tensor, Tensor, Tensor> Eager, Binary32 F32, Binary64 F64) Binary(string name) => name switch
    {
        "pow" => ((a, b) => a.Abs().Pow(b), new((x, y) => Pw.Pow(Pw.Abs(x), y), (x, y) => Pw.Pow(Pw.Abs(x), y)), new((x, y) => Pw.Pow(Pw.Abs(x), y), (x, y) => Pw.Pow(Pw.Abs(x), y))),
        "max" => ((a, b) => a.Maximum(b), new(Pw.Max, Pw.Max), new(Pw.Max, Pw.Max)),
        "min" => ((a, b) => a.Minimum(b), new(Pw.Min, Pw.Min), new(Pw.Min, Pw.Min)),
        "where_gt" => ((a, b) => Tensor.Where(a.Gt(b), a, b), new((x, y) => Pw.Where(Pw.Gt(x, y), x, y), (x, y) => Pw.Where(Pw.Gt(x, y), x, y)),
            new((x, y) => Pw.Where(Pw.Gt(x, y), x, y), (x, y) => Pw.Where(Pw.Gt(x, y), x, y))),
        "relu_backward" => (Backward(x => x.Relu(), useOutput: true), new(Pw.ReluBackward, Pw.ReluBackward), new(Pw.ReluBackward, Pw.ReluBackward)),
        "gelu_backward" => (Backward(x => x.Gelu(), useOutput: false), new(Pw.GeluBackward, Pw.GeluBackward), new(Pw.GeluBackward, Pw.GeluBackward)),
        "gelu_tanh_backward" => (Backward(x => x.Gelu("tanh"), useOutput: false), new(Pw.GeluTanhBackward, Pw.GeluTanhBackward), new(Pw.GeluTanhBackward, Pw.GeluTanhBackward)),
        "silu_backward" => (Backward(x => x.Silu(), useOutput: false), new(Pw.SiluBackward, Pw.SiluBackward), new(Pw.SiluBackward, Pw.SiluBackward)),
        "tanh_backward" => (Backward(x => x.Tanh(), useOutput: true), new(Pw.TanhBackward, Pw.TanhBackward), new(Pw.TanhBackward, Pw.TanhBackward)),
        _ => (Backward(x => x.Sigmoid(), useOutput: true), new(Pw.SigmoidBackward, Pw.SigmoidBackward), new(Pw.SigmoidBackward, Pw.SigmoidBackward)),
    };

    /// <summary>
    /// (g, s) -> the eager op's input gradient for output gradient g, where s is the op's input; the kernel side
    /// receives f(s) for rules written on the output (relu, tanh, sigmoid).
    /// </summary>
    static Func<Tensor, Tensor, Tensor> Backward(Func<Tensor, Tensor> op, bool useOutput) => (g, s) =>
    {
        var x = s.Detach().RequiresGrad_();
        op(x).Backward(g);
        return x.Grad!;
    };

    [Theory]
    [MemberData(nameof(BinaryNames))]
    public void Binary_functions_and_derivatives_match_the_eager_ops(string name)
    {
        var (eager, f32, f64) = Binary(name);
        bool onOutput = name is "relu_backward" or "tanh_backward" or "sigmoid_backward";
        foreach (int n in Sizes)
        {
            foreach (var (dtype, seed) in new[] { (DType.Float32, 10UL), (DType.Float64, 20UL) })
            {
                var a = Values(n, dtype, (ulong)n + seed);
                var b = Values(n, dtype, (ulong)n + seed + 5);
                // derivative rules on the output get f(x) where eager differentiates at x
                var second = onOutput ? Output(name, b) : b;
                var expected = eager(a, b);
                var actual = dtype == DType.Float32
                    ? Pointwise.Run(name, f32, [a, second], [dtype])[0]
                    : Pointwise.Run(name, f64, [a, second], [dtype])[0];
                AssertClose(expected, actual, $"{name} {dtype} n={n}");
            }
        }
    }

    static Tensor Output(string name, Tensor x) => name switch
    {
        "relu_backward" => x.Relu(),
        "tanh_backward" => x.Tanh(),
        _ => x.Sigmoid(),
    };
}
