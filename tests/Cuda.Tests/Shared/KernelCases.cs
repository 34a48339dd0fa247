using DeepGen.Fusion;
using DeepGen.Fusion.Ir;
using DeepGen.Fusion.Ops;
using DeepGen.Fusion.Schedule;

namespace DeepGen.Cuda.Tests;

/// <summary>The values a test input takes: the op's domain (log wants positives, where a bool condition).</summary>
public enum Domain
{
    /// <summary>Uniform in [-3, 3] (integers in [-4, 4]).</summary>
    Any,

    /// <summary>Uniform in [0.25, 3] (integers in [1, 4]).</summary>
    Positive,

    /// <summary>Small non-negative integers (an integer power's exponent), [0, 4].</summary>
    Small,

    /// <summary>false or true.</summary>
    Bool,
}

/// <summary>A hand-built fused kernel to emit, compile and run, with the domain of each input.</summary>
/// <param name="Kernel">The kernel.</param>
/// <param name="Domains">Per input, the values it takes.</param>
public sealed record KernelCase(PointwiseKernel Kernel, Domain[] Domains)
{
    /// <inheritdoc />
    public override string ToString() => Kernel.Name;
}

/// <summary>
/// The kernels the CUDA tests and the GPU check run: every pointwise op of the op table alone (float32 and
/// float64, int64 where the op takes integers), and fused chains with broadcast inputs, constants, bool
/// intermediates, mixed dtypes, two outputs and a rank-0 shape.
/// </summary>
public static class KernelCases
{
    /// <summary>Symbols of the iteration shapes: N and B take the test size, C is 5.</summary>
    public const int C = 5;

    /// <summary>The sizes the numbers are checked at (N, or B for rank-2 kernels).</summary>
    public static readonly int[] Sizes = [1, 7, 33, 1000];

    /// <summary>
    /// Every op of the op table with a scalar formula, sorted. (expand_as, sum_backward and mean_backward are
    /// pointwise in kind but have no formula yet, so no fused kernel can contain them.)
    /// </summary>
    public static IEnumerable<string> PointwiseOps => OpTable.Names.Where(n => OpTable.Get(n) is PointwiseOp);

    /// <summary>All cases, in a fixed order with unique names.</summary>
    public static IReadOnlyList<KernelCase> All { get; } = Build();

    private static List<KernelCase> Build()
    {
        var cases = new List<KernelCase>();
        foreach (ScalarType dtype in new[] { ScalarType.Float32, ScalarType.Float64 })
        {
            foreach (string op in PointwiseOps)
            {
                cases.Add(SingleOp(op, dtype, Attrs.Empty, ""));
                if (op is "gelu" or "gelu_backward")
                {
                    cases.Add(SingleOp(op, dtype, Attrs.Empty.With("approximate", "tanh"), "_tanh"));
                }
            }

            cases.AddRange(Chains(dtype));
        }

        // Integers: every op that takes them but the derivatives (which only ever see float gradients).
        foreach (string op in PointwiseOps.Where(o => !o.EndsWith("_backward", StringComparison.Ordinal)))
        {
            cases.Add(SingleOp(op, ScalarType.Int64, Attrs.Empty, ""));
        }

        cases.AddRange(MixedDTypes());
        return cases;
    }

    private static KernelCase SingleOp(string op, ScalarType dtype, Attrs attrs, string suffix)
    {
        var k = new Sketch($"t_{op}{suffix}_{dtype.ShortName()}", [Dim.Of("N")]);
        OpDef def = OpTable.Get(op);
        var operands = new List<Operand>();
        for (int i = 0; i < def.MinInputs; i++)
        {
            bool condition = op == "where" && i == 0;
            Domain domain = condition ? Domain.Bool
                : op is "log" or "sqrt" or "rsqrt" || (op == "pow" && i == 0 && dtype.IsFloating()) || (op == "div" && i == 1) ? Domain.Positive
                : op == "pow" && i == 1 && !dtype.IsFloating() ? Domain.Small
                : Domain.Any;
            operands.Add(k.Input(condition ? ScalarType.Bool : dtype, domain, Dim.Of("N")));
        }

        k.Output(k.Step(op, attrs, operands.ToArray()));
        return k.Build();
    }

    private static IEnumerable<KernelCase> Chains(ScalarType t)
    {
        string s = t.ShortName();
        Dim b = Dim.Of("B"), c = Dim.Of("C"), five = Dim.Constant(C), one = Dim.Constant(1);

        // Linear epilogue: gelu(x + bias), the bias a trailing block (contiguous: i % numel).
        var k = new Sketch($"bias_gelu_{s}", [b, c]);
        k.Output(k.Step("gelu", Attrs.Empty, k.Step("add", k.Input(t, Domain.Any, b, c), k.Input(t, Domain.Any, c))));
        yield return k.Build();

        // relu forward and its backward in one kernel, two outputs; constant C dimension.
        k = new Sketch($"relu_fwd_bwd_{s}", [b, five]);
        Operand y = k.Step("relu", Attrs.Empty, k.Step("add", k.Input(t, Domain.Any, b, five), k.Input(t, Domain.Any, one, five)));
        k.Output(y);
        k.Output(k.Step("relu_backward", Attrs.Empty, k.Input(t, Domain.Any, b, five), y));
        yield return k.Build();

        // Leaky relu from a comparison with a constant, a bool intermediate and where.
        k = new Sketch($"leaky_relu_{s}", [b, c]);
        Operand x = k.Input(t, Domain.Any, b, c);
        k.Output(k.Step("where", Attrs.Empty, k.Step("gt", Attrs.Empty, x, Operand.OfConstant(0)), x, k.Step("mul", Attrs.Empty, x, Operand.OfConstant(0.01))));
        yield return k.Build();

        // A per-row scale (column broadcast: strided only) and a single-element shift.
        k = new Sketch($"row_scale_{s}", [b, c]);
        Operand scaled = k.Step("mul", k.Input(t, Domain.Any, b, c), k.Input(t, Domain.Positive, b, one));
        k.Output(k.Step("sub", Attrs.Empty, k.Step("add", scaled, k.Input(t, Domain.Any, one)), Operand.OfConstant(-1.5)));
        yield return k.Build();

        // Normalisation tail: (x - mean) * rsqrt(var + eps) * w + b, with per-row statistics.
        k = new Sketch($"norm_tail_{s}", [b, c]);
        Operand centred = k.Step("sub", k.Input(t, Domain.Any, b, c), k.Input(t, Domain.Any, b, one));
        Operand inv = k.Step("rsqrt", Attrs.Empty, k.Step("add", Attrs.Empty, k.Input(t, Domain.Positive, b, one), Operand.OfConstant(1e-5)));
        k.Output(k.Step("add", k.Step("mul", k.Step("mul", centred, inv), k.Input(t, Domain.Any, c)), k.Input(t, Domain.Any, c)));
        yield return k.Build();

        // Every activation's backward after its forward, chained: a long SSA chain with several outputs.
        k = new Sketch($"activation_chain_{s}", [Dim.Of("N")]);
        Operand g = k.Input(t, Domain.Any, Dim.Of("N"));
        Operand v = k.Input(t, Domain.Any, Dim.Of("N"));
        Operand sig = k.Step("sigmoid", Attrs.Empty, v);
        Operand th = k.Step("tanh", Attrs.Empty, v);
        Operand acc = k.Step("sigmoid_backward", Attrs.Empty, g, sig);
        acc = k.Step("add", acc, k.Step("tanh_backward", Attrs.Empty, g, th));
        acc = k.Step("add", acc, k.Step("silu_backward", Attrs.Empty, g, v));
        acc = k.Step("add", acc, k.Step("gelu_backward", Attrs.Empty.With("approximate", "tanh"), g, v));
        k.Output(k.Step("maximum", Attrs.Empty, k.Step("minimum", Attrs.Empty, acc, Operand.OfConstant(4)), Operand.OfConstant(-4)));
        k.Output(k.Step("silu", Attrs.Empty, v));
        yield return k.Build();

        // A rank-0 iteration shape.
        k = new Sketch($"scalar_{s}", []);
        k.Output(k.Step("pow", Attrs.Empty, k.Step("exp", Attrs.Empty, k.Input(t, Domain.Any)), Operand.OfConstant(0.5)));
        yield return k.Build();
    }

    private static IEnumerable<KernelCase> MixedDTypes()
    {
        Dim n = Dim.Of("N");

        // float32 + float64 -> float64; a float32 comparison against a fractional constant stored as bool.
        var k = new Sketch("mixed_f32_f64", [n]);
        Operand x = k.Input(ScalarType.Float32, Domain.Any, n);
        k.Output(k.Step("add", x, k.Input(ScalarType.Float64, Domain.Any, n)));
        k.Output(k.Step("ge", Attrs.Empty, x, Operand.OfConstant(0.5)));
        yield return k.Build();

        // int64 with a fractional constant compares in float; int64 / int64 is true division (float32).
        k = new Sketch("mixed_i64", [n]);
        Operand a = k.Input(ScalarType.Int64, Domain.Any, n);
        Operand b = k.Input(ScalarType.Int64, Domain.Positive, n);
        k.Output(k.Step("lt", Attrs.Empty, a, Operand.OfConstant(0.5)));
        k.Output(k.Step("div", a, b));
        k.Output(k.Step("mul", k.Step("exp", Attrs.Empty, a), k.Input(ScalarType.Float32, Domain.Any, n)));
        yield return k.Build();
    }

    /// <summary>Builds a <see cref="PointwiseKernel"/> step by step, with dtypes from the op table's rules.</summary>
    private sealed class Sketch(string name, Dim[] shape)
    {
        private readonly List<KernelInput> _inputs = [];
        private readonly List<Domain> _domains = [];
        private readonly List<KernelStep> _steps = [];
        private readonly List<KernelOutput> _outputs = [];
        private int _node;

        public Operand Input(ScalarType dtype, Domain domain, params Dim[] dims)
        {
            _inputs.Add(new KernelInput(new Value(_node++), new TensorType(dtype, dims.ToEquatableArray())));
            _domains.Add(domain);
            return Operand.OfInput(_inputs.Count - 1);
        }

        public Operand Step(string op, params Operand[] operands) => Step(op, Attrs.Empty, operands);

        public Operand Step(string op, Attrs attrs, params Operand[] operands)
        {
            var types = operands.Select(TypeOf).ToList();
            var weak = operands.Select(o => o.Kind == OperandKind.Constant).ToList();
            ScalarType dtype = OpTable.Get(op).Infer(new InferContext(op, types, weak, attrs, null))[0].DType;
            _steps.Add(new KernelStep(op, operands.ToEquatableArray(), attrs, dtype, _node++));
            return Operand.OfStep(_steps.Count - 1);
        }

        public void Output(Operand step) =>
            _outputs.Add(new KernelOutput(step.Index, new Value(_steps[step.Index].Node), _steps[step.Index].DType));

        public KernelCase Build() =>
            new(new PointwiseKernel(name, shape.ToEquatableArray(), _inputs.ToEquatableArray(), _steps.ToEquatableArray(), _outputs.ToEquatableArray()), _domains.ToArray());

        private TensorType TypeOf(Operand o) => o.Kind switch
        {
            OperandKind.Input => _inputs[o.Index].Type,
            OperandKind.Step => new TensorType(_steps[o.Index].DType, shape.ToEquatableArray()),
            // A weak scalar: an integral constant is an int, any other a float (PyTorch's Python numbers).
            _ => TensorType.Of(o.Constant == Math.Floor(o.Constant) ? ScalarType.Int64 : ScalarType.Float32, Array.Empty<long>()),
        };
    }
}
