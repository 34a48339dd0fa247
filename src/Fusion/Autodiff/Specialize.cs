using DeepGen.Fusion.Ir;

namespace DeepGen.Fusion.Autodiff;

/// <summary>
/// Fixes a graph to train or eval mode, as <c>module.Train()</c>/<c>Eval()</c> would at run time: the
/// compiled code keeps one graph per mode and a guard picks the one that matches the module.
/// </summary>
public static class Specialize
{
    /// <summary>
    /// Eval: dropout becomes the identity and batch_norm with running statistics becomes pointwise ops
    /// (<c>(x - mean) * rsqrt(var + eps) * weight + bias</c>), which fusion then merges with their
    /// neighbours. Training: the graph is returned as it is (batch statistics, random masks).
    /// </summary>
    public static IrGraph ForMode(IrGraph graph, bool training)
    {
        if (training)
        {
            return graph;
        }

        var builder = new GraphBuilder(graph.Name);
        var copier = new GraphCopier(builder);
        foreach (IrNode node in graph.Nodes)
        {
            switch (node.Op)
            {
                case "dropout":
                    copier.Bind(node.Result, copier[node.Inputs[0]]);
                    break;
                case "batch_norm" when node.Attrs.Bool("track_running_stats", true):
                    copier.Bind(node.Result, EvalBatchNorm(builder, node, node.Inputs.Select(v => copier[v]).ToList()));
                    break;
                default:
                    copier.Copy(node);
                    break;
            }
        }

        foreach (Value output in graph.Outputs)
        {
            builder.Output(copier[output]);
        }

        return builder.Build();
    }

    private static Value EvalBatchNorm(GraphBuilder g, IrNode node, IReadOnlyList<Value> inputs)
    {
        bool affine = node.Attrs.Bool("affine", true);
        Value x = inputs[0];
        Value mean = inputs[affine ? 3 : 1];
        Value variance = inputs[affine ? 4 : 2];
        TensorType xType = g.TypeOf(x);

        // Per-channel vectors [C] broadcast against [N, C, ...] as [C, 1, ...].
        Dim[] perChannel = new Dim[xType.Rank - 1];
        perChannel[0] = Dim.Unknown;
        for (int i = 1; i < perChannel.Length; i++)
        {
            perChannel[i] = Dim.Constant(1);
        }

        // [-1, 1, ...]: the emitted reshape needs no runtime size.
        Attrs reshape = Attrs.Empty.With("dims", perChannel.ToEquatableArray()).With("infer", 0L);
        Value Channel(Value v) => g.Op("reshape", [v], reshape, node.Source);

        Value eps = g.Constant(node.Attrs.Real("eps"), ScalarType.Float64);
        Value invStd = g.Op("rsqrt", [g.Op("add", [variance, eps], null, node.Source)], null, node.Source);
        Value y = g.Op("mul", [g.Op("sub", [x, Channel(mean)], null, node.Source), Channel(invStd)], null, node.Source);
        if (affine)
        {
            y = g.Op("add", [g.Op("mul", [y, Channel(inputs[1])], null, node.Source), Channel(inputs[2])], null, node.Source);
        }

        return y;
    }
}
