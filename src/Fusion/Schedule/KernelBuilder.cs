using DeepGen.Fusion.Ir;
using DeepGen.Fusion.Ops;

namespace DeepGen.Fusion.Schedule;

/// <summary>Turns a group of pointwise nodes into a <see cref="PointwiseKernel"/>.</summary>
internal static class KernelBuilder
{
    /// <summary>
    /// The kernel computing <paramref name="nodes"/> (in order) over <paramref name="shape"/>: values from
    /// outside become inputs (each once), 0-d constants become literals, and the nodes for which
    /// <paramref name="isReadOutside"/> holds become outputs.
    /// </summary>
    public static PointwiseKernel Build(IrGraph graph, IReadOnlyList<int> nodes, EquatableArray<Dim> shape, Func<int, bool> isReadOutside)
    {
        var stepOf = new Dictionary<int, int>();
        var inputs = new List<KernelInput>();
        var steps = new List<KernelStep>();
        foreach (int id in nodes)
        {
            IrNode node = graph.Nodes[id];
            var operands = node.Inputs.Select(v => OperandOf(v)).ToEquatableArray();
            stepOf[id] = steps.Count;
            steps.Add(new KernelStep(node.Op, operands, node.Attrs, node.Type.DType, id));
        }

        var outputs = nodes.Where(isReadOutside).Select(id => new KernelOutput(stepOf[id], new Value(id), graph.Nodes[id].Type.DType)).ToEquatableArray();
        return new PointwiseKernel(NameOf(graph, nodes), shape, inputs.ToEquatableArray(), steps.ToEquatableArray(), outputs);

        Operand OperandOf(Value v)
        {
            if (stepOf.TryGetValue(v.Node, out int step))
            {
                return Operand.OfStep(step);
            }

            IrNode producer = graph.Nodes[v.Node];
            if (producer.Op == SourceOps.Constant)
            {
                return Operand.OfConstant(producer.Attrs.Real("value"));
            }

            int index = inputs.FindIndex(i => i.Value == v);
            if (index < 0)
            {
                index = inputs.Count;
                inputs.Add(new KernelInput(v, graph.TypeOf(v)));
            }

            return Operand.OfInput(index);
        }
    }

    /// <summary><c>fused_relu_add_5</c>: up to three of its ops, then its first node.</summary>
    private static string NameOf(IrGraph graph, IReadOnlyList<int> nodes)
    {
        var ops = nodes.Select(n => graph.Nodes[n].Op).Distinct().ToList();
        string name = "fused_" + string.Join("_", ops.Take(3));
        return (ops.Count > 3 ? name + "_etc" : name) + "_" + nodes[0];
    }
}
