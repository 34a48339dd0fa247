using DeepGen.Fusion.Ir;
using DeepGen.Fusion.Schedule;
using Xunit;

namespace DeepGen.Fusion.Tests.Schedule;

/// <summary>Sums of matmul products: the later GEMM adds into the earlier product's buffer instead of a separate add.</summary>
public class ProductSumTests
{
    private static readonly TensorType Rows = TensorType.Of(ScalarType.Float32, PlanGraphs.B, Dim.Constant(16));

    private static TensorType F32(params long[] shape) => TensorType.Of(ScalarType.Float32, shape);

    /// <summary>x·w1 + x·w2 (+ x·w3 with <paramref name="three"/>); with <paramref name="productReturned"/>, x·w1 is returned too.</summary>
    private static FusionPlan Plan(bool three = false, bool productReturned = false, bool broadcast = false)
    {
        var g = new GraphBuilder("Sums.Backward");
        Value x = g.Input("x", Rows);
        Value p = g.Op("matmul", [x, g.Parameter("w1", "W1", F32(16, 16))]);
        Value q = g.Op("matmul", [x, g.Parameter("w2", "W2", broadcast ? F32(16, 1) : F32(16, 16))]);
        Value sum = g.Op("add", [p, q]);
        if (three)
        {
            sum = g.Op("add", [sum, g.Op("matmul", [x, g.Parameter("w3", "W3", F32(16, 16))])]);
        }

        g.Output(sum);
        if (productReturned)
        {
            g.Output(p);
        }

        return FusionPlanner.Plan(g.Build());
    }

    [Fact]
    public void The_second_product_is_added_into_the_first_and_no_add_kernel_is_left()
    {
        FusionPlan plan = Plan();

        Assert.DoesNotContain(plan.Steps, s => s.Kind == StepKind.Fused);
        PlanStep sum = Assert.Single(plan.Steps, s => s.Epilogue?.Into is not null);
        // %2 = x·w1, %4 = x·w2, %5 = their sum
        Assert.Equal(new Value(2), sum.Epilogue!.Into);
        Assert.Contains("library %4 matmul added into %2 -> %5", plan.Explain());
    }

    [Fact]
    public void A_chain_of_sums_adds_each_product_into_the_running_sum()
    {
        FusionPlan plan = Plan(three: true);

        Assert.DoesNotContain(plan.Steps, s => s.Kind == StepKind.Fused);
        var into = plan.Steps.Where(s => s.Epilogue?.Into is not null).Select(s => s.Epilogue!.Into!.Node).ToList();
        Assert.Equal(new[] { 2, 5 }, into); // the second product into the first (%2), the third into that sum (%5)
    }

    [Fact]
    public void A_product_that_is_also_returned_or_a_broadcast_sum_keeps_the_add_kernel()
    {
        Assert.DoesNotContain(Plan(productReturned: true).Steps, s => s.Epilogue?.Into is not null);
        Assert.DoesNotContain(Plan(broadcast: true).Steps, s => s.Epilogue?.Into is not null);
    }
}
