using DeepGen.Fusion.Ir;
using DeepGen.Fusion.Ops;

namespace DeepGen.Fusion.Autodiff;

/// <summary>
/// Fixes a graph to train or eval mode, as <c>module.Train()</c>/<c>Eval()</c> would at run time: the
/// compiled code keeps one graph per mode and a guard picks the one that matches the module.
/// </summary>
public static class Specialize
{
    /// <summary>
    /// Both modes: each <c>training_select</c> (a branch on Training) becomes its train or eval input, and the
    /// nodes only the other input needed are dropped.
    /// Eval: dropout becomes the identity and batch_norm with running statistics becomes pointwise ops
    /// (<c>(x - mean) * rsqrt(var + eps) * weight + bias</c>), which fusion then merges with their
    /// neighbours. Training: the graph is returned as it is (batch statistics, random masks).
    /// </summary>
    public static IrGraph ForMode(IrGraph graph, bool training) => ForVariant(graph, training, new Dictionary<string, bool>());

    /// <summary>
    /// As <see cref="ForMode"/>, and each <c>flag_select</c> (a branch on a readonly bool field) becomes the input
    /// its field's value in <paramref name="flags"/> picks.
    /// </summary>
    /// <exception cref="ArgumentException">The graph branches on a field <paramref name="flags"/> has no value for.</exception>
    public static IrGraph ForVariant(IrGraph graph, bool training, IReadOnlyDictionary<string, bool> flags)
    {
        int? Kept(IrNode node) => node.Op switch
        {
            ModeOps.TrainingSelect => training ? 0 : 1,
            ModeOps.FlagSelect => flags.TryGetValue(node.Attrs.Text("flag"), out bool value)
                ? value ? 0 : 1
                : throw new ArgumentException($"{graph.Name}: node %{node.Id} branches on '{node.Attrs.Text("flag")}', which has no value here"),
            _ => null,
        };

        bool selects = graph.Nodes.Any(n => Kept(n) is not null);
        if (training && !selects)
        {
            return graph;
        }

        HashSet<int> dropped = selects ? OnlyForTheOtherArms(graph, Kept) : [];
        var builder = new GraphBuilder(graph.Name);
        var copier = new GraphCopier(builder);
        foreach (IrNode node in graph.Nodes)
        {
            if (dropped.Contains(node.Id))
            {
                continue;
            }

            switch (node.Op)
            {
                case ModeOps.TrainingSelect or ModeOps.FlagSelect:
                    copier.Bind(node.Result, copier[node.Inputs[Kept(node)!.Value]]);
                    break;
                case "dropout" when !training:
                    copier.Bind(node.Result, copier[node.Inputs[0]]);
                    break;
                case "batch_norm" when !training && node.Attrs.Bool("track_running_stats", true):
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

    /// <summary>
    /// The computed nodes the outputs need only through the inputs that the selects drop in this variant (the
    /// other arms of branches on Training or on a field): they are not run, as the eager branch would not run them.
    /// A node no output needed before (an unused batch norm) is not one of them, so it stays as it was.
    /// </summary>
    private static HashSet<int> OnlyForTheOtherArms(IrGraph graph, Func<IrNode, int?> kept)
    {
        bool[] before = Needed(graph, _ => null), after = Needed(graph, kept);
        return new HashSet<int>(graph.Nodes.Where(n => before[n.Id] && !after[n.Id] && !SourceOps.IsSource(n.Op)).Select(n => n.Id));
    }

    /// <summary>Which nodes the outputs reach through their inputs; through the kept input only, where <paramref name="kept"/> names one.</summary>
    private static bool[] Needed(IrGraph graph, Func<IrNode, int?> kept)
    {
        var needed = new bool[graph.Nodes.Count];
        foreach (Value output in graph.Outputs)
        {
            needed[output.Node] = true;
        }

        // inputs have lower ids than their users
        for (int id = graph.Nodes.Count - 1; id >= 0; id--)
        {
            IrNode node = graph.Nodes[id];
            if (!needed[id])
            {
                continue;
            }

            IEnumerable<Value> inputs = kept(node) is { } only ? [node.Inputs[only]] : node.Inputs;
            foreach (Value input in inputs)
            {
                needed[input.Node] = true;
            }
        }

        return needed;
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
