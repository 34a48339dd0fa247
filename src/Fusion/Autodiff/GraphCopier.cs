using DeepGen.Fusion.Ir;

namespace DeepGen.Fusion.Autodiff;

/// <summary>Copies nodes of one graph into a builder, renaming values as it goes (the passes' shared plumbing).</summary>
internal sealed class GraphCopier
{
    private readonly Dictionary<Value, Value> _map = [];

    public GraphCopier(GraphBuilder target)
    {
        Target = target;
    }

    public GraphBuilder Target { get; }

    /// <summary>Says that <paramref name="from"/> is <paramref name="to"/> in the target.</summary>
    public void Bind(Value from, Value to) => _map[from] = to;

    public bool IsBound(Value value) => _map.ContainsKey(value);

    /// <summary>The target's value for a source value.</summary>
    public Value this[Value value] =>
        _map.TryGetValue(value, out Value mapped) ? mapped : throw new InvalidOperationException($"{value} was not copied before its use.");

    /// <summary>Copies one node (its inputs already copied); source nodes are re-created the same way.</summary>
    public void Copy(IrNode node)
    {
        switch (node.Op)
        {
            case SourceOps.Input:
                Bind(node.Result, Target.Input(node.Attrs.Text("name"), node.Type, node.Source));
                return;
            case SourceOps.Parameter or SourceOps.Buffer:
                Bind(node.Result, Target.Parameter(node.Attrs.Text("name"), node.Attrs.Text("access"), node.Type, node.Op == SourceOps.Buffer));
                return;
            case SourceOps.Constant:
                Bind(node.Result, Target.Constant(node.Attrs.Real("value"), node.Type.DType));
                return;
        }

        IReadOnlyList<Value> outputs = Target.OpOutputs(node.Op, node.Inputs.Select(v => this[v]).ToList(), node.Attrs, node.Source);
        for (int k = 0; k < outputs.Count; k++)
        {
            Bind(new Value(node.Id, k), outputs[k]);
        }
    }
}
