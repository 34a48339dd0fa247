using System.Text;
using DeepGen.Fusion.Ir;

namespace DeepGen.Fusion.Schedule;

/// <summary>
/// A planned graph as Graphviz DOT, for the docs and for debugging (<c>dot -Tsvg plan.dot</c>): one box per
/// node with its op and type, each fused kernel or epilogue-fused GEMM as a cluster, saved activations in
/// orange, returned values with a double border. Deterministic, so it can be snapshot-tested.
/// </summary>
public static class PlanDot
{
    /// <summary>
    /// The DOT text of <paramref name="plan"/>; values in <paramref name="saved"/> are marked as saved for the
    /// backward, and the first <paramref name="userOutputs"/> outputs (default: all) as returned.
    /// </summary>
    public static string Write(FusionPlan plan, IEnumerable<Value>? saved = null, int? userOutputs = null)
    {
        IrGraph graph = plan.Graph;
        var savedNodes = new HashSet<int>((saved ?? []).Select(v => v.Node));
        var returned = new HashSet<int>(graph.Outputs.Take(userOutputs ?? graph.Outputs.Count).Select(v => v.Node));
        var clustered = new HashSet<int>();
        var text = new StringBuilder();
        text.Append("digraph ").Append(Quote(graph.Name)).AppendLine(" {");
        text.AppendLine("  rankdir=TB;");
        text.AppendLine("  node [shape=box, fontname=\"monospace\", fontsize=10];");
        text.AppendLine("  edge [fontname=\"monospace\", fontsize=9];");

        int cluster = 0;
        foreach (PlanStep step in plan.Steps.Where(s => s.Kind == StepKind.Fused || s.Nodes.Count > 1))
        {
            string label = step.Kind == StepKind.Fused ? step.Kernel!.Name : plan.Describe(step);
            text.Append("  subgraph cluster_").Append(cluster++).AppendLine(" {");
            text.Append("    label=").Append(Quote(label)).AppendLine(";");
            text.AppendLine(step.Kind == StepKind.Fused ? "    style=filled; color=lightblue;" : "    style=filled; color=lightyellow;");
            foreach (int node in step.Nodes)
            {
                text.Append("    ").AppendLine(NodeLine(graph.Nodes[node]));
                clustered.Add(node);
            }

            text.AppendLine("  }");
        }

        foreach (IrNode node in graph.Nodes.Where(n => !clustered.Contains(n.Id)))
        {
            text.Append("  ").AppendLine(NodeLine(node));
        }

        foreach (IrNode node in graph.Nodes)
        {
            foreach (Value input in node.Inputs)
            {
                text.Append("  n").Append(input.Node).Append(" -> n").Append(node.Id);
                text.AppendLine(input.Output == 0 ? ";" : " [label=" + Quote("." + input.Output) + "];");
            }
        }

        text.AppendLine("}");
        return text.ToString();

        string NodeLine(IrNode node)
        {
            var attrs = new List<string> { "label=" + Quote(Label(node)) };
            if (Ir.SourceOps.IsSource(node.Op))
            {
                attrs.Add("shape=ellipse");
            }

            if (savedNodes.Contains(node.Id))
            {
                attrs.Add("style=\"filled,bold\"");
                attrs.Add("fillcolor=orange");
                attrs.Add("xlabel=\"saved\"");
            }

            if (returned.Contains(node.Id))
            {
                attrs.Add("peripheries=2");
            }

            return "n" + node.Id + " [" + string.Join(", ", attrs) + "];";
        }
    }

    private static string Label(IrNode node)
    {
        string head = "%" + node.Id + " " + node.Op;
        if (node.Op is Ir.SourceOps.Input or Ir.SourceOps.Parameter or Ir.SourceOps.Buffer)
        {
            head += " " + node.Attrs.Text("name");
        }
        else if (node.Op == Ir.SourceOps.Constant)
        {
            head += " " + node.Attrs.Real("value").ToString("R", System.Globalization.CultureInfo.InvariantCulture);
        }

        return head + "\n" + string.Join(", ", node.Outputs);
    }

    private static string Quote(string text) => "\"" + text.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\n", "\\n") + "\"";
}
