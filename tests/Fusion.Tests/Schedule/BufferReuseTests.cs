using DeepGen.Fusion.Ir;
using DeepGen.Fusion.Schedule;
using Xunit;

namespace DeepGen.Fusion.Tests.Schedule;

public class BufferReuseTests
{
    private static readonly TensorType Rows = TensorType.Of(ScalarType.Float32, PlanGraphs.B, Dim.Constant(16));

    private static TensorType F32(params long[] shape) => TensorType.Of(ScalarType.Float32, shape);

    /// <summary>x [B, 16] -> linear -> h, then <paramref name="use"/> adds whatever else reads h; returns gelu(h) plus those.</summary>
    private static (IReadOnlyDictionary<Value, Value> Reuse, FusionPlan Plan, Value H) Plan(Func<GraphBuilder, Value, IEnumerable<Value>> use)
    {
        var g = new GraphBuilder("Reuse.Forward");
        Value x = g.Input("x", Rows);
        Value h = g.Op("linear", [x, g.Parameter("fc.weight", "fc.Weight", F32(16, 16)), g.Parameter("fc.bias", "fc.Bias", F32(16))]);
        g.Output(g.Op("gelu", [h]));
        foreach (Value extra in use(g, h))
        {
            g.Output(extra);
        }

        FusionPlan plan = FusionPlanner.Plan(g.Build());
        return (BufferReuse.Of(plan), plan, h);
    }

    [Fact]
    public void A_kernel_that_is_the_last_reader_of_a_gemm_output_writes_into_it()
    {
        var (reuse, plan, h) = Plan((_, _) => []);

        PlanStep fused = Assert.Single(plan.Steps, s => s.Kind == StepKind.Fused);
        Assert.Equal(h, Assert.Single(reuse, r => r.Key == fused.Kernel!.Outputs[0].Value).Value);
    }

    [Fact]
    public void A_value_that_is_also_returned_keeps_its_buffer() =>
        Assert.Empty(Plan((_, h) => [h]).Reuse);

    [Fact]
    public void A_value_another_step_reads_keeps_its_buffer() =>
        Assert.Empty(Plan((g, h) => [g.Op("matmul", [h, g.Parameter("w2", "W2", F32(16, 4))])]).Reuse);

    [Fact]
    public void A_value_with_a_view_keeps_its_buffer() =>
        Assert.Empty(Plan((g, h) => [g.Op("matmul", [g.Op("transpose", [h], Attrs.Empty.With("dim0", 0L).With("dim1", 1L)), g.Parameter("w2", "W2", F32(2, 16))])]).Reuse);

    [Fact]
    public void Inputs_parameters_broadcast_operands_and_other_dtypes_are_never_written_into()
    {
        var g = new GraphBuilder("Sources.Forward");
        Value x = g.Input("x", Rows);
        Value bias = g.Parameter("bias", "Bias", F32(16));
        Value h = g.Op("matmul", [x, g.Parameter("w", "W", F32(16, 16))]);
        // x is an input and bias a [16] parameter; h is made here but the result is bool
        g.Output(g.Op("gelu", [g.Op("add", [x, bias])]));
        g.Output(g.Op("gt", [h, bias]));
        FusionPlan plan = FusionPlanner.Plan(g.Build());

        Assert.Equal(2, plan.Steps.Count(s => s.Kind == StepKind.Fused));
        Assert.Empty(BufferReuse.Of(plan));
    }

    [Fact]
    public void A_kernel_whose_output_feeds_a_reduction_writes_into_the_gemm_output()
    {
        var g = new GraphBuilder("Chain.Forward");
        Value x = g.Input("x", Rows);
        Value w = g.Parameter("w", "W", F32(16, 16));
        Value h = g.Op("gelu", [g.Op("matmul", [x, w])]);
        Value total = g.Op("sum", [h], Attrs.Empty.With("dims", new long[] { 1 }).With("keepdim", true));
        g.Output(total);
        FusionPlan plan = FusionPlanner.Plan(g.Build());
        var kernels = plan.Steps.Where(s => s.Kind == StepKind.Fused).ToList();

        // gelu's kernel takes the matmul's buffer; the sum then reads that buffer
        PlanStep first = Assert.Single(kernels);
        Assert.Equal(new Value(2), BufferReuse.Of(plan)[first.Kernel!.Outputs[0].Value]);
    }
}
