using DeepGen.Fusion.Ir;
using DeepGen.Fusion.Schedule;
using DeepGen.Fusion.Tests.Ir;
using Xunit;

namespace DeepGen.Fusion.Tests.Schedule;

public class FusionPlannerTests
{
    [Fact]
    public void Mlp_fuses_relu_into_the_first_linear_and_hoists_the_flatten()
    {
        FusionPlan plan = FusionPlanner.Plan(TestGraphs.Mlp());

        Assert.Equal(
            """
            plan Mlp.Forward
              0: view %5 flatten -> %5
              1: library %6 linear + relu -> %7
              2: library %8 linear -> %8

            """.Replace("\r", string.Empty),
            plan.Explain().Replace("\r", string.Empty));
        Assert.Empty(plan.Notes);
    }

    [Fact]
    public void Pointwise_chain_after_a_gemm_is_one_kernel_that_stores_only_its_result()
    {
        FusionPlan plan = FusionPlanner.Plan(PlanGraphs.ResidualGelu());

        PlanStep fused = Assert.Single(plan.Steps, s => s.Kind == StepKind.Fused);
        PointwiseKernel kernel = fused.Kernel!;
        Assert.Equal(new[] { "gelu", "add", "mul", "sigmoid" }, kernel.Steps.Select(s => s.Op));
        Assert.Equal("fused_gelu_add_mul_etc_4", kernel.Name);
        // reads the GEMM's output and x; the 0.5 is a literal; writes only the returned value
        Assert.Equal(new[] { new Value(3), new Value(0) }, kernel.Inputs.Select(i => i.Value));
        Assert.Equal(OperandKind.Constant, kernel.Steps[2].Operands[1].Kind);
        Assert.Equal(0.5, kernel.Steps[2].Operands[1].Constant);
        Assert.Equal(new Value(8), Assert.Single(kernel.Outputs).Value);
        FusionNote note = Assert.Single(plan.Notes);
        Assert.Equal(4, note.Node);
        Assert.Contains("the GEMM epilogue does a bias and ReLU only; gelu runs as a fused kernel after %3", note.Reason);
    }

    [Fact]
    public void Eval_batch_norm_chain_fuses_with_relu_while_parameter_math_is_its_own_kernel()
    {
        FusionPlan plan = FusionPlanner.Plan(PlanGraphs.ConvBlockEval());
        string text = plan.Explain();

        // rsqrt(var + eps) * gamma is [8]: a small kernel of its own (its reshape is not a kernel input); the [B, 8, 28, 28] chain is one kernel
        var kernels = plan.Steps.Where(s => s.Kind == StepKind.Fused).Select(s => s.Kernel!).ToList();
        Assert.Equal(2, kernels.Count);
        Assert.Equal(new[] { "add", "rsqrt", "mul" }, kernels[0].Steps.Select(s => s.Op));
        Assert.Equal(new[] { "sub", "mul", "add", "relu" }, kernels[1].Steps.Select(s => s.Op));
        Assert.Single(kernels[1].Outputs);
        Assert.Contains("not fused: %15 sub: conv2d %7 is a runtime kernel without an epilogue, so this starts a fused kernel of its own", text);
        // views of parameters run before every kernel; the conv comes before the kernel that reads it
        Assert.Equal(StepKind.View, plan.Steps[0].Kind);
        int conv = plan.Steps.ToList().FindIndex(s => s.Node == 7);
        int chain = plan.Steps.ToList().FindIndex(s => s.Kernel == kernels[1]);
        Assert.True(conv < chain);
    }

    [Fact]
    public void Matmul_takes_bias_and_relu_into_its_epilogue_when_nothing_else_reads_the_product()
    {
        FusionPlan plan = FusionPlanner.Plan(PlanGraphs.MatMulBiasRelu(productAlsoReturned: false));

        PlanStep gemm = Assert.Single(plan.Steps, s => s.Kind == StepKind.Library);
        Assert.Equal(new Epilogue(new Value(2), "relu"), gemm.Epilogue);
        Assert.Equal(new[] { new Value(5) }, gemm.Outputs);
        Assert.DoesNotContain(plan.Steps, s => s.Kind == StepKind.Fused);
    }

    [Fact]
    public void Matmul_whose_product_is_returned_keeps_a_plain_gemm_and_says_why()
    {
        FusionPlan plan = FusionPlanner.Plan(PlanGraphs.MatMulBiasRelu(productAlsoReturned: true));

        PlanStep gemm = Assert.Single(plan.Steps, s => s.Kind == StepKind.Library);
        Assert.Null(gemm.Epilogue);
        PlanStep fused = Assert.Single(plan.Steps, s => s.Kind == StepKind.Fused);
        Assert.Equal(new[] { "add", "relu" }, fused.Kernel!.Steps.Select(s => s.Op));
        FusionNote note = Assert.Single(plan.Notes);
        Assert.Contains("%3 (matmul) is also read elsewhere (or returned)", note.Reason);
    }

    [Fact]
    public void A_node_that_reads_a_later_kernel_result_does_not_join_an_earlier_kernel()
    {
        var g = new GraphBuilder("Cycle");
        Value x = g.Input("x", TensorType.Of(ScalarType.Float32, 4, 4));
        Value w = g.Parameter("w", "W", TensorType.Of(ScalarType.Float32, 4, 4));
        Value a = g.Op("relu", [x]);
        Value m = g.Op("matmul", [a, w]);
        g.Output(g.Op("add", [a, m]));
        FusionPlan plan = FusionPlanner.Plan(g.Build());

        Assert.Equal(new[] { StepKind.Fused, StepKind.Library, StepKind.Fused }, plan.Steps.Select(s => s.Kind));
        Assert.Contains(plan.Notes, n => n.Node == 4 && n.Reason.Contains("it reads %3 (matmul), which is computed after the kernel at %2 starts, so fusing would make a cycle"));
        // relu's result is stored: the matmul and the add read it
        Assert.Equal(new Value(2), Assert.Single(plan.Steps[0].Kernel!.Outputs).Value);
    }

    [Fact]
    public void A_row_reduction_ends_a_kernel_with_a_reason()
    {
        var g = new GraphBuilder("Sum");
        Value x = g.Input("x", TensorType.Of(ScalarType.Float32, 4, 4));
        Value s = g.Op("sum", [g.Op("exp", [x])], Attrs.Empty.With("dims", new long[] { 1 }).With("keepdim", true));
        g.Output(g.Op("div", [g.Op("exp", [x]), s]));
        FusionPlan plan = FusionPlanner.Plan(g.Build());

        Assert.Equal(new[] { StepKind.Fused, StepKind.Reduction, StepKind.Fused }, plan.Steps.Select(st => st.Kind));
        Assert.Contains(plan.Notes, n => n.Node == 2 && n.Reason.StartsWith("it reduces dims [1] of a rank-2 value; only a sum over leading dims", StringComparison.Ordinal));
    }

    /// <summary>relu_backward(g, y), then its column sum (a bias gradient) and a matmul of it: the MLP backward's shape.</summary>
    private static IrGraph BiasGradient(string reduction = "sum", long[]? dims = null, bool keepdim = false)
    {
        var g = new GraphBuilder("BiasGrad");
        Value grad = g.Input("grad", TensorType.Of(ScalarType.Float32, 8, 5, 16));
        Value y = g.Input("y", TensorType.Of(ScalarType.Float32, 8, 5, 16));
        Value w = g.Input("w", TensorType.Of(ScalarType.Float32, 16, 3));
        Value masked = g.Op("relu_backward", [grad, y]);
        g.Output(g.Op(reduction, [masked], Attrs.Empty.With("dims", dims ?? [0, 1]).With("keepdim", keepdim)));
        g.Output(g.Op("matmul", [masked, w]));
        return g.Build();
    }

    [Fact]
    public void A_sum_over_leading_dims_is_accumulated_by_the_kernel_that_computes_its_input()
    {
        FusionPlan plan = FusionPlanner.Plan(BiasGradient());

        PlanStep fused = plan.Steps[0];
        Assert.Equal(StepKind.Fused, fused.Kind);
        Assert.Equal(new[] { 3, 4 }, fused.Nodes);
        Assert.Equal(new[] { new Value(3), new Value(4) }, fused.Outputs);
        Assert.Equal(new FusedReduction(4, 0, 2, KeepDim: false, Mean: false), fused.Reduction);
        Assert.Equal(new Value(3), Assert.Single(fused.Kernel!.Outputs).Value); // stored: the matmul and the sum read it
        Assert.DoesNotContain(plan.Steps, s => s.Kind == StepKind.Reduction);
        Assert.Empty(plan.Notes);
        Assert.Same(fused, plan.StepOf(4));
        Assert.StartsWith("plan BiasGrad\n  0: fused fused_relu_backward_3 [%3 relu_backward, %4 sum] -> %3, %4\n", plan.Explain().Replace("\r", string.Empty), StringComparison.Ordinal);
    }

    [Fact]
    public void A_mean_with_keepdim_is_accumulated_too_and_negative_dims_count_from_the_end()
    {
        FusionPlan plan = FusionPlanner.Plan(BiasGradient("mean", [-3, -2], keepdim: true));

        Assert.Equal(new FusedReduction(4, 0, 2, KeepDim: true, Mean: true), plan.Steps[0].Reduction);
    }

    [Theory]
    [InlineData("amax", new long[] { 0, 1 }, "only sum and mean are accumulated by the kernel that computes their input; amax runs on its own")]
    [InlineData("sum", new long[] { 1, 2 }, "it reduces dims [1, 2] of a rank-3 value; only a sum over leading dims (a column sum, like a bias gradient) is accumulated by the kernel")]
    [InlineData("sum", new long[0], "it reduces every dim; only a sum over leading dims (a column sum, like a bias gradient) is accumulated by the kernel")]
    [InlineData("sum", new long[] { 0, 1, 2 }, "it reduces dims [0, 1, 2] of a rank-3 value; only a sum over leading dims (a column sum, like a bias gradient) is accumulated by the kernel")]
    public void Other_reductions_run_on_their_own_with_a_reason(string op, long[] dims, string reason)
    {
        FusionPlan plan = FusionPlanner.Plan(BiasGradient(op, dims));

        Assert.Null(plan.Steps[0].Reduction);
        Assert.Single(plan.Steps, s => s.Kind == StepKind.Reduction);
        Assert.Equal(reason, Assert.Single(plan.Notes, n => n.Node == 4).Reason);
    }

    [Fact]
    public void A_sum_of_an_input_runs_on_its_own_and_a_reader_of_a_fused_sum_starts_a_kernel_after_it()
    {
        var g = new GraphBuilder("Center");
        Value x = g.Input("x", TensorType.Of(ScalarType.Float32, 6, 4));
        Value inputSum = g.Op("sum", [x], Attrs.Empty.With("dims", new long[] { 0 }).With("keepdim", true));
        Value y = g.Op("exp", [x]);
        Value mean = g.Op("mean", [y], Attrs.Empty.With("dims", new long[] { 0 }).With("keepdim", true));
        g.Output(g.Op("sub", [y, mean]));
        g.Output(inputSum);
        FusionPlan plan = FusionPlanner.Plan(g.Build());

        Assert.Equal("its input %0 (input) is not computed by a fused kernel, so the reduction runs on its own", Assert.Single(plan.Notes, n => n.Node == 1).Reason);
        PlanStep fused = Assert.Single(plan.Steps, s => s.Reduction is not null);
        Assert.Equal(new[] { 2, 3 }, fused.Nodes);
        // sub reads the mean, which is ready only when the exp kernel has finished: it cannot join that kernel
        Assert.Contains(plan.Notes, n => n.Node == 4 && n.Reason.Contains("fusing would make a cycle", StringComparison.Ordinal));
        Assert.True(plan.Steps.ToList().IndexOf(fused) < plan.Steps.ToList().FindIndex(s => s.Nodes.Contains(4)));
    }

    [Fact]
    public void Dot_marks_clusters_saved_values_and_outputs()
    {
        FusionPlan plan = FusionPlanner.Plan(PlanGraphs.ResidualGelu());
        string dot = PlanDot.Write(plan, [new Value(3)]);

        Assert.StartsWith("digraph \"Residual.Forward\" {", dot, StringComparison.Ordinal);
        Assert.Contains("subgraph cluster_0 {", dot);
        Assert.Contains("label=\"fused_gelu_add_mul_etc_4\";", dot);
        Assert.Contains("n3 [label=\"%3 linear\\nf32[B, 16]\", style=\"filled,bold\", fillcolor=orange, xlabel=\"saved\"];", dot);
        Assert.Contains("peripheries=2", dot);
        Assert.Contains("n3 -> n4;", dot);
    }

    [Fact]
    public void A_node_of_another_shape_starts_its_own_kernel()
    {
        var g = new GraphBuilder("Shapes");
        Value x = g.Input("x", TensorType.Of(ScalarType.Float32, 8));
        Value y = g.Input("y", TensorType.Of(ScalarType.Float32, 4, 8));
        g.Output(g.Op("mul", [g.Op("exp", [x]), y]));
        FusionPlan plan = FusionPlanner.Plan(g.Build());

        Assert.Equal(2, plan.Steps.Count);
        FusionNote note = Assert.Single(plan.Notes);
        Assert.Equal("its shape [4, 8] differs from the iteration shape [8] of the kernel at %2", note.Reason);
    }

    [Fact]
    public void A_kernel_over_inputs_alone_is_hoisted_so_an_earlier_kernel_can_read_it()
    {
        // scores * 0.25, then masked by eq(mask, 0): the mask's kernel starts later but reads only an input
        var g = new GraphBuilder("Masked");
        Value scores = g.Input("scores", TensorType.Of(ScalarType.Float32, 2, 4, 4));
        Value mask = g.Input("mask", TensorType.Of(ScalarType.Float32, 4, 4));
        Value scaled = g.Op("mul", [scores, g.Constant(0.25, ScalarType.Float32)]);
        Value hidden = g.Op("eq", [mask, g.Constant(0, ScalarType.Float32)]);
        g.Output(g.Op("where", [hidden, g.Constant(double.NegativeInfinity, ScalarType.Float32), scaled]));
        FusionPlan plan = FusionPlanner.Plan(g.Build());

        Assert.Equal(2, plan.Steps.Count);
        Assert.Equal(new[] { "eq" }, plan.Steps[0].Kernel!.Steps.Select(s => s.Op));
        Assert.Equal(new[] { "mul", "where" }, plan.Steps[1].Kernel!.Steps.Select(s => s.Op));
    }
}
