using System.Text.RegularExpressions;
using DeepGen.Fusion;
using DeepGen.Fusion.Emit.Cuda;
using DeepGen.Fusion.Ir;
using DeepGen.Fusion.Ops;
using DeepGen.Fusion.Schedule;

namespace DeepGen.Cuda.Tests;

public class EmitterTests
{
    [Fact]
    public void The_prelude_defines_every_device_function_the_op_tables_formulas_call()
    {
        var defined = Regex.Matches(CudaPrelude.Source, @"\b(dg_\w+)\(").Select(m => m.Groups[1].Value).ToHashSet();
        var missing = new List<string>();
        int formulas = 0;
        foreach (string op in KernelCases.PointwiseOps)
        {
            foreach (Attrs attrs in new[] { Attrs.Empty, Attrs.Empty.With("approximate", "tanh") })
            {
                PointwiseFormula formula = OpTable.Get(op).Formula(attrs)!;
                formulas++;
                missing.AddRange(Regex.Matches(formula.Cuda, @"\bdg_\w+").Select(m => m.Value).Where(f => !defined.Contains(f)).Select(f => $"{op}: {f}"));
            }
        }

        Assert.True(formulas > 60, $"only {formulas} formulas seen");
        Assert.Empty(missing);
    }

    [Fact]
    public void The_test_kernels_cover_every_pointwise_op_in_float32_and_float64()
    {
        foreach (ScalarType dtype in new[] { ScalarType.Float32, ScalarType.Float64 })
        {
            var covered = KernelCases.All.SelectMany(c => c.Kernel.Steps.Select(s => (s.Op, Input: c.Kernel.Inputs.Last().Type.DType)))
                .Where(s => s.Input == dtype).Select(s => s.Op).ToHashSet();
            string[] uncovered = KernelCases.PointwiseOps.Where(op => !covered.Contains(op)).ToArray();
            Assert.True(uncovered.Length == 0, $"no {dtype.ShortName()} test kernel for: {string.Join(", ", uncovered)}");
        }

        Assert.Equal(KernelCases.All.Count, KernelCases.All.Select(c => c.Kernel.Name).Distinct().Count());
    }

    [Fact]
    public void Emitting_is_deterministic()
    {
        CudaModule first = CudaEmitter.EmitModule(KernelCases.All.Select(c => c.Kernel));
        CudaModule second = CudaEmitter.EmitModule(KernelCases.All.Select(c => c.Kernel));
        Assert.Equal(first.Source, second.Source);
        Assert.Equal(first.Functions, second.Functions);
    }

    [Fact]
    public void A_kernel_reads_as_a_grid_stride_loop_with_one_commented_line_per_step()
    {
        KernelCase bias = KernelCases.All.Single(c => c.Kernel.Name == "bias_gelu_f32");
        CudaModule module = CudaEmitter.Emit(bias.Kernel);
        string source = module.Source;

        Assert.Equal(["bias_gelu_f32_contiguous", "bias_gelu_f32_strided"], module.Functions.Select(f => f.Name));
        Assert.Contains("// ---- kernel bias_gelu_f32: iteration shape [B, C]; reads %0 f32[B, C], %1 f32[C]; writes %3 f32 ----", source);
        Assert.Contains("extern \"C\" __global__ void bias_gelu_f32_contiguous(\n    float* __restrict__ out0, // %3 f32[B, C]\n", source);
        Assert.Contains("for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x)", source);
        Assert.Contains("const float v1 = in1[i % in1_numel];", source);
        Assert.Contains("const float v1 = in1[c0 * in1_stride0 + c1 * in1_stride1];", source);
        Assert.Contains("        // %2 = add(%0, %1) : f32\n        const float t0 = (v0 + v1);\n", source);
        Assert.Contains("        // %3 = gelu(%2) : f32\n        const float t1 = dg_gelu(t0);\n", source);
        Assert.Contains("out0[i] = t1;", source);

        CudaFunction strided = module.Functions[1];
        Assert.Equal(CudaLayout.Strided, strided.Layout);
        Assert.Equal(["out0", "in0", "in1", "n", "size0", "size1", "in0_stride0", "in0_stride1", "in1_stride0", "in1_stride1"], strided.Parameters.Select(p => p.Name));
    }

    [Fact]
    public void Constants_mixed_dtypes_and_bool_steps_are_converted_explicitly()
    {
        string leaky = CudaEmitter.Emit(KernelCases.All.Single(c => c.Kernel.Name == "leaky_relu_f32").Kernel).Source;
        Assert.Contains("const bool t0 = (v0 > 0.0f);", leaky);
        Assert.Contains("const float t1 = (v0 * 0.01f);", leaky);
        Assert.Contains("const float t2 = (t0 ? v0 : t1);", leaky);

        string mixed = CudaEmitter.Emit(KernelCases.All.Single(c => c.Kernel.Name == "mixed_i64").Kernel).Source;
        Assert.Contains("const bool t0 = ((float)v0 < 0.5f);", mixed);
        Assert.Contains("const float t1 = ((float)v0 / (float)v1);", mixed);

        string shift = CudaEmitter.Emit(KernelCases.All.Single(c => c.Kernel.Name == "row_scale_f64").Kernel).Source;
        Assert.Contains("(t1 - (-1.5))", shift);
    }

    [Fact]
    public void Column_broadcasts_and_unknown_sizes_get_only_the_strided_function()
    {
        Assert.False(CudaEmitter.SupportsContiguous(KernelCases.All.Single(c => c.Kernel.Name == "row_scale_f32").Kernel));
        Assert.True(CudaEmitter.SupportsContiguous(KernelCases.All.Single(c => c.Kernel.Name == "relu_fwd_bwd_f32").Kernel));

        PointwiseKernel unknown = Unary("unknown", [Dim.Unknown], [Dim.Unknown]);
        Assert.Equal([CudaLayout.Strided], CudaEmitter.Emit(unknown).Functions.Select(f => f.Layout));
    }

    [Fact]
    public void Malformed_kernels_are_refused_with_the_kernel_and_step_named()
    {
        PointwiseKernel good = Unary("k", [Dim.Of("N")], [Dim.Of("N")]);
        var badName = good with { Name = "2bad" };
        Assert.Contains("'2bad' is not a C identifier", Assert.Throws<ArgumentException>(() => CudaEmitter.Emit(badName)).Message);

        var notPointwise = good with { Steps = new[] { good.Steps[0] with { Op = "matmul" } }.ToEquatableArray() };
        Assert.Contains("kernel 'k' step 0 (node %1) 'matmul' is not a pointwise op", Assert.Throws<ArgumentException>(() => CudaEmitter.Emit(notPointwise)).Message);

        var forwardRead = good with { Steps = new[] { good.Steps[0] with { Operands = new[] { Operand.OfStep(0) }.ToEquatableArray() } }.ToEquatableArray() };
        Assert.Contains("reads step 0, which does not exist before it", Assert.Throws<ArgumentException>(() => CudaEmitter.Emit(forwardRead)).Message);

        Assert.Contains("two kernels are named 'k'", Assert.Throws<ArgumentException>(() => CudaEmitter.EmitModule([good, good])).Message);
    }

    private static PointwiseKernel Unary(string name, Dim[] shape, Dim[] input) => new(
        name,
        shape.ToEquatableArray(),
        new[] { new KernelInput(new Value(0), new TensorType(ScalarType.Float32, input.ToEquatableArray())) }.ToEquatableArray(),
        new[] { new KernelStep("relu", new[] { Operand.OfInput(0) }.ToEquatableArray(), Attrs.Empty, ScalarType.Float32, 1) }.ToEquatableArray(),
        new[] { new KernelOutput(0, new Value(1), ScalarType.Float32) }.ToEquatableArray());
}
