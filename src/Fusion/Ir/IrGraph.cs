namespace DeepGen.Fusion.Ir;

/// <summary>
/// A dataflow graph in SSA form: nodes in topological order (a node reads only earlier nodes), its
/// inputs being the source nodes (<c>input</c>, <c>parameter</c>, <c>buffer</c>, <c>constant</c>).
/// Plain, value-equatable data, so the incremental generator can cache on it.
/// </summary>
/// <param name="Name">What it computes, for headers and messages (<c>Mlp.Forward</c>).</param>
/// <param name="Nodes">The nodes; <c>Nodes[i].Id == i</c>.</param>
/// <param name="Outputs">The values it returns.</param>
public sealed record IrGraph(string Name, EquatableArray<IrNode> Nodes, EquatableArray<Value> Outputs)
{
    /// <summary>The type of a value.</summary>
    public TensorType TypeOf(Value value) => Nodes[value.Node].Outputs[value.Output];

    /// <summary>The node that produces a value.</summary>
    public IrNode NodeOf(Value value) => Nodes[value.Node];

    /// <summary>The graph's arguments (op <c>input</c>), in their order.</summary>
    public IEnumerable<IrNode> Arguments => Nodes.Where(n => n.Op == SourceOps.Input).OrderBy(n => n.Attrs.Int("index"));

    /// <summary>The parameters and buffers it reads, in order of first use.</summary>
    public IEnumerable<IrNode> States => Nodes.Where(n => n.Op is SourceOps.Parameter or SourceOps.Buffer);

    /// <summary>For each node, the nodes that read one of its outputs, in order.</summary>
    public IReadOnlyList<IReadOnlyList<int>> Users()
    {
        var users = Nodes.Select(_ => new List<int>()).ToArray();
        foreach (IrNode node in Nodes)
        {
            foreach (int producer in node.Inputs.Select(v => v.Node).Distinct())
            {
                users[producer].Add(node.Id);
            }
        }

        return users;
    }

    /// <summary>The graph as text, one node per line, then <c>return %7</c>: stable, for snapshots and debugging.</summary>
    public override string ToString()
    {
        var text = new System.Text.StringBuilder();
        text.Append("graph ").Append(Name).AppendLine(" {");
        foreach (IrNode node in Nodes)
        {
            text.Append("  ").AppendLine(node.ToString());
        }

        text.Append("  return ").AppendLine(string.Join(", ", Outputs.Select(v => v.ToString())));
        text.AppendLine("}");
        return text.ToString();
    }
}

/// <summary>The names of the ops that bring values into a graph.</summary>
public static class SourceOps
{
    /// <summary>An argument of Forward (attrs <c>name</c>, <c>index</c>).</summary>
    public const string Input = "input";

    /// <summary>A trainable tensor of the module (attrs <c>name</c>: state-dict key, <c>access</c>: C# expression from <c>this</c>).</summary>
    public const string Parameter = "parameter";

    /// <summary>A buffer of the module (running statistics), attrs as <see cref="Parameter"/>.</summary>
    public const string Buffer = "buffer";

    /// <summary>A 0-d constant (attr <c>value</c>); in arithmetic it promotes like a Python number (a "weak" scalar).</summary>
    public const string Constant = "constant";

    /// <summary>True for the four source ops.</summary>
    public static bool IsSource(string op) => op is Input or Parameter or Buffer or Constant;
}
