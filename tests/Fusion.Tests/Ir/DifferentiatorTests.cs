using DeepGen.Fusion.Autodiff;
using DeepGen.Fusion.Ir;
using DeepGen.Fusion.Ops;
using DeepGen.Fusion.Tests.Reference;
using Xunit;
using static DeepGen.Fusion.Tests.Ir.TestGraphs;

namespace DeepGen.Fusion.Tests.Ir;

public class DifferentiatorTests
{
    [Fact]
    public void Mlp_gets_a_gradient_for_the_input_and_every_parameter()
    {
        TrainingGraphs t = Differentiator.Derive(Mlp());

        Assert.Equal(["x", "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"], t.Grads.Select(g => g.Name));
        Assert.Equal(t.Grads.Count, t.Backward.Outputs.Count);
        foreach (GradTarget grad in t.Grads)
        {
            Assert.Equal(t.Forward.Nodes[grad.ForwardNode].Type, t.Backward.TypeOf(t.Backward.Outputs[grad.BackwardOutput]));
        }
    }

    [Fact]
    public void Mlp_saves_the_relu_output_and_only_the_shape_of_the_flattened_input()
    {
        TrainingGraphs t = Differentiator.Derive(Mlp());
        IrGraph f = t.Forward;

        // relu's output feeds both relu_backward and fc2's weight gradient.
        SavedValue relu = Assert.Single(t.Saved, s => f.NodeOf(s.Forward).Op == "relu");
        Assert.False(relu.ShapeOnly);

        // x is read by flatten's backward (reshape_as) for its shape only.
        SavedValue x = Assert.Single(t.Saved, s => f.NodeOf(s.Forward).Op == SourceOps.Input);
        Assert.True(x.ShapeOnly);

        Assert.Equal(1 + t.Saved.Count, f.Outputs.Count);
        Assert.Equal(["grad0"], t.Backward.Arguments.Take(1).Select(n => n.Attrs.Text("name")));
        Assert.Equal(t.Saved.Count + 1, t.Backward.Arguments.Count());
    }

    [Fact]
    public void Cheap_pointwise_value_between_two_linears_is_recomputed_not_saved()
    {
        var g = new GraphBuilder("Block.Forward");
        Value x = g.Input("x", TensorType.Of(ScalarType.Float32, B, Dim.Constant(16)));
        Value w1 = g.Parameter("fc1.weight", "fc1.Weight", TensorType.Of(ScalarType.Float32, 64, 16));
        Value w2 = g.Parameter("fc2.weight", "fc2.Weight", TensorType.Of(ScalarType.Float32, 16, 64));
        Value h = g.Op("linear", [x, w1]);
        Value a = g.Op("abs", [h]);
        g.Output(g.Op("linear", [a, w2]));

        TrainingGraphs t = Differentiator.Derive(g.Build());

        Recomputation abs = Assert.Single(t.Recomputed);
        Assert.Equal(a.Node, abs.ForwardNode);
        Assert.Contains("recomputed", abs.Reason);
        Assert.DoesNotContain(t.Saved, s => s.Forward == a);
        Assert.Contains(t.Saved, s => s.Forward == h);
        Assert.Contains(t.Backward.Nodes, n => n.Op == "abs");
    }

    [Fact]
    public void Gelu_between_two_linears_is_saved_not_recomputed()
    {
        // an erf per element costs more than keeping the activation: both sides of the GELU are saved
        var g = new GraphBuilder("Block.Forward");
        Value x = g.Input("x", TensorType.Of(ScalarType.Float32, B, Dim.Constant(16)));
        Value w1 = g.Parameter("fc1.weight", "fc1.Weight", TensorType.Of(ScalarType.Float32, 64, 16));
        Value w2 = g.Parameter("fc2.weight", "fc2.Weight", TensorType.Of(ScalarType.Float32, 16, 64));
        Value h = g.Op("linear", [x, w1]);
        Value a = g.Op("gelu", [h]);
        g.Output(g.Op("linear", [a, w2]));

        TrainingGraphs t = Differentiator.Derive(g.Build());

        Assert.Empty(t.Recomputed);
        Assert.Contains(t.Saved, s => s.Forward == a);
        Assert.Contains(t.Saved, s => s.Forward == h);
        Assert.DoesNotContain(t.Backward.Nodes, n => n.Op == "gelu");
    }

    [Fact]
    public void Broadcast_operands_have_their_gradient_summed_back()
    {
        var g = new GraphBuilder("t.Forward");
        Value x = g.Input("x", TensorType.Of(ScalarType.Float32, B, Dim.Constant(8)));
        Value bias = g.Parameter("bias", "Bias", TensorType.Of(ScalarType.Float32, 8));
        g.Output(g.Op("mul", [g.Op("add", [x, bias]), x]));

        TrainingGraphs t = Differentiator.Derive(g.Build());

        GradTarget biasGrad = Assert.Single(t.Grads, gr => gr.Name == "bias");
        Value result = t.Backward.Outputs[biasGrad.BackwardOutput];
        Assert.Equal("sum_to", t.Backward.NodeOf(result).Op);
        Assert.Equal("f32[8]", t.Backward.TypeOf(result).ToString());

        // x is used twice: its gradient is the sum of both paths.
        GradTarget xGrad = Assert.Single(t.Grads, gr => gr.Name == "x");
        Assert.Equal("add", t.Backward.NodeOf(t.Backward.Outputs[xGrad.BackwardOutput]).Op);
    }

    [Fact]
    public void Buffers_constants_and_comparisons_get_no_gradient()
    {
        var g = new GraphBuilder("t.Forward");
        Value x = g.Input("x", TensorType.Of(ScalarType.Float32, 4));
        Value scale = g.Parameter("scale", "Scale", TensorType.Of(ScalarType.Float32, 4), isBuffer: true);
        Value mask = g.Op("gt", [x, g.Constant(0, ScalarType.Float64)]);
        g.Output(g.Op("where", [mask, g.Op("mul", [x, scale]), g.Constant(0, ScalarType.Float64)]));

        TrainingGraphs t = Differentiator.Derive(g.Build());

        Assert.Equal(["x"], t.Grads.Select(gr => gr.Name));
    }

    [Fact]
    public void Detach_stops_the_gradient_of_its_input()
    {
        // out = x * w + detach(x * x) * w: x's gradient comes from the first term only, w's from both.
        var g = new GraphBuilder("t.Forward");
        Value x = g.Input("x", TensorType.Of(ScalarType.Float64, 3));
        Value w = g.Input("w", TensorType.Of(ScalarType.Float64, 3));
        Value cut = g.Op("detach", [g.Op("mul", [x, x])]);
        g.Output(g.Op("add", [g.Op("mul", [x, w]), g.Op("mul", [cut, w])]));
        var sources = new Dictionary<string, RefTensor> { ["x"] = new([3], [1, 2, 3]), ["w"] = new([3], [0.5, -1, 2]) };

        TrainingGraphs t = Differentiator.Derive(g.Build());
        IReadOnlyList<RefTensor> forward = Interpreter.Run(t.Forward, sources);
        var backwardSources = new Dictionary<string, RefTensor> { ["grad0"] = new([3], [1, 1, 1]) };
        for (int i = 0; i < t.Saved.Count; i++)
        {
            backwardSources["saved" + i] = forward[t.UserOutputs + i];
        }

        IReadOnlyList<RefTensor> grads = Interpreter.Run(t.Backward, backwardSources);

        Assert.Equal([0.5, -1, 2], grads[Assert.Single(t.Grads, gr => gr.Name == "x").BackwardOutput].Data);
        Assert.Equal([2, 6, 12], grads[Assert.Single(t.Grads, gr => gr.Name == "w").BackwardOutput].Data);
    }

    [Fact]
    public void An_op_without_a_derivative_on_the_gradient_path_is_reported()
    {
        var g = new GraphBuilder("t.Forward");
        Value m = g.Input("m", TensorType.Of(ScalarType.Float32, 4, 4));
        Value v = g.Input("v", TensorType.Of(ScalarType.Float32, 4));
        g.Output(g.Op("matmul", [m, v]));

        NotSupportedException error = Assert.Throws<NotSupportedException>(() => Differentiator.Derive(g.Build()));
        Assert.StartsWith("matmul:", error.Message);
    }

    [Fact]
    public void Eval_mode_turns_batch_norm_into_pointwise_ops_and_drops_dropout()
    {
        var g = new GraphBuilder("Net.Forward");
        Value x = g.Input("x", TensorType.Of(ScalarType.Float32, B, Dim.Constant(32), Dim.Constant(14), Dim.Constant(14)));
        TensorType c = TensorType.Of(ScalarType.Float32, 32);
        Value[] bn = [x, g.Parameter("bn.weight", "bn.Weight", c), g.Parameter("bn.bias", "bn.Bias", c),
            g.Parameter("bn.running_mean", "bn.RunningMean", c, isBuffer: true), g.Parameter("bn.running_var", "bn.RunningVar", c, isBuffer: true)];
        Value y = g.Op("batch_norm", bn, Attrs.Empty.With("momentum", 0.1).With("eps", 1e-5));
        g.Output(g.Op("dropout", [g.Op("relu", [y])], Attrs.Empty.With("p", 0.3)));
        IrGraph graph = g.Build();

        IrGraph eval = Specialize.ForMode(graph, training: false);

        Assert.DoesNotContain(eval.Nodes, n => n.Op is "batch_norm" or "dropout");
        Assert.Contains(eval.Nodes, n => n.Op == "rsqrt");
        Assert.Equal("f32[B, 32, 14, 14]", eval.TypeOf(eval.Outputs[0]).ToString());
        Assert.Same(graph, Specialize.ForMode(graph, training: true));
    }

    /// <summary>relu in train mode, batch norm in eval mode (an `if (Training)` lowered), and a batch norm no output reads.</summary>
    private static IrGraph ModeBranch()
    {
        var g = new GraphBuilder("Branch.Forward");
        Value x = g.Input("x", TensorType.Of(ScalarType.Float32, B, Dim.Constant(4)));
        TensorType c = TensorType.Of(ScalarType.Float32, 4);
        Value[] Stats(string name) => [g.Parameter(name + ".weight", name + ".Weight", c), g.Parameter(name + ".bias", name + ".Bias", c),
            g.Parameter(name + ".running_mean", name + ".RunningMean", c, isBuffer: true), g.Parameter(name + ".running_var", name + ".RunningVar", c, isBuffer: true)];
        Attrs norm = Attrs.Empty.With("momentum", 0.1).With("eps", 1e-5);
        Value h = g.Op("exp", [x]);
        g.Op("batch_norm", [h, .. Stats("unused")], norm);
        Value train = g.Op("relu", [h]);
        Value eval = g.Op("batch_norm", [h, .. Stats("bn")], norm);
        g.Output(g.Op("tanh", [g.Op(ModeOps.TrainingSelect, [train, eval])]));
        return g.Build();
    }

    [Fact]
    public void A_branch_on_the_mode_keeps_one_arm_per_mode_and_drops_what_only_the_other_needed()
    {
        IrGraph graph = ModeBranch();

        IrGraph train = Specialize.ForMode(graph, training: true);
        IrGraph eval = Specialize.ForMode(graph, training: false);

        Assert.DoesNotContain(train.Nodes, n => n.Op == ModeOps.TrainingSelect);
        Assert.DoesNotContain(eval.Nodes, n => n.Op == ModeOps.TrainingSelect);
        Assert.Equal("relu", train.Nodes[train.Nodes[train.Outputs[0].Node].Inputs[0].Node].Op);
        // train mode: the eval arm's batch norm is gone (eagerly it would not run, nor move its statistics);
        // the batch norm that no output read before stays, as it was
        IrNode kept = Assert.Single(train.Nodes, n => n.Op == "batch_norm");
        Assert.Equal("unused.weight", train.Nodes[kept.Inputs[1].Node].Attrs.Text("name"));
        // eval mode: the relu is gone, the batch norm became pointwise ops
        Assert.DoesNotContain(eval.Nodes, n => n.Op == "relu");
        Assert.Contains(eval.Nodes, n => n.Op == "rsqrt");
        // the arguments and parameters stay in both graphs, used or not
        Assert.Equal(graph.Nodes.Count(n => SourceOps.IsSource(n.Op)), train.Nodes.Count(n => SourceOps.IsSource(n.Op)));
    }

    [Fact]
    public void The_two_arms_of_a_branch_on_the_mode_must_have_one_type()
    {
        var g = new GraphBuilder("Branch.Forward");
        Value x = g.Input("x", TensorType.Of(ScalarType.Float32, B, Dim.Constant(4)));

        ShapeException error = Assert.Throws<ShapeException>(() => g.Op(ModeOps.TrainingSelect, [x, g.Op("sum", [x], Attrs.Empty.With("dims", new long[] { 1 }))]));

        Assert.Contains("training_select", error.Message, StringComparison.Ordinal);
        Assert.Contains("the train-mode value is f32[B, 4] but the eval-mode value is f32[B]; both modes must give one type", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_branch_on_a_field_keeps_the_arm_its_value_picks_and_needs_that_value()
    {
        var g = new GraphBuilder("Flag.Forward");
        Value x = g.Input("x", TensorType.Of(ScalarType.Float32, B, Dim.Constant(4)));
        Value h = g.Op("relu", [x]);
        g.Output(g.Op(ModeOps.FlagSelect, [g.Op("add", [h, x]), h], Attrs.Empty.With("flag", "residual")));
        IrGraph graph = g.Build();

        IrGraph on = Specialize.ForVariant(graph, training: true, new Dictionary<string, bool> { ["residual"] = true });
        IrGraph off = Specialize.ForVariant(graph, training: false, new Dictionary<string, bool> { ["residual"] = false });

        Assert.Equal("add", on.Nodes[on.Outputs[0].Node].Op);
        Assert.Equal("relu", off.Nodes[off.Outputs[0].Node].Op);
        Assert.DoesNotContain(off.Nodes, n => n.Op == "add");
        ArgumentException error = Assert.Throws<ArgumentException>(() => Specialize.ForMode(graph, training: true));
        Assert.Equal("Flag.Forward: node %3 branches on 'residual', which has no value here", error.Message);
    }
}
