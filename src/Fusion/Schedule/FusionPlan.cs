using System.Text;
using DeepGen.Fusion.Ir;

namespace DeepGen.Fusion.Schedule;

/// <summary>How a step of a plan runs.</summary>
public enum StepKind
{
    /// <summary>A fused elementwise loop (<see cref="PlanStep.Kernel"/>), generated per model.</summary>
    Fused,

    /// <summary>A runtime kernel (GEMM, convolution, pooling, normalisation, softmax), maybe with a fused epilogue.</summary>
    Library,

    /// <summary>A reduction, or a broadcasting op without a scalar formula, run by the runtime.</summary>
    Reduction,

    /// <summary>A zero-copy view (reshape, transpose, ...): no kernel.</summary>
    View,
}

/// <summary>
/// What a GEMM step does to its output before storing it: add a bias row, then an activation; or add the
/// product to another product of the same shape, in that product's buffer.
/// </summary>
/// <param name="Bias">A bias of the output's last dimension, added by a matmul epilogue (linear carries its own bias).</param>
/// <param name="Activation">The activation applied last (<c>relu</c>), or null.</param>
/// <param name="Into">An earlier matmul's product that only the absorbed add reads: the GEMM adds into it (beta = 1).</param>
public sealed record Epilogue(Value? Bias, string? Activation, Value? Into = null);

/// <summary>
/// A sum or mean over the leading dimensions of one of a fused kernel's outputs (a column sum, such as a bias
/// gradient), accumulated while the kernel runs, from the rows it has just written, instead of by a runtime
/// reduction that reads the whole output again.
/// </summary>
/// <param name="Node">The sum or mean node.</param>
/// <param name="Output">The index, among the kernel's outputs, of the value it reduces.</param>
/// <param name="Dims">How many leading dimensions it reduces (at least one, fewer than the rank).</param>
/// <param name="KeepDim">Whether the reduced dimensions stay, with size 1.</param>
/// <param name="Mean">True for a mean (the sum divided by the number of rows).</param>
public sealed record FusedReduction(int Node, int Output, int Dims, bool KeepDim, bool Mean);

/// <summary>
/// One unit of work of a planned graph: the nodes it covers and the values it materialises.
/// </summary>
/// <param name="Kind">How it runs.</param>
/// <param name="Nodes">The graph nodes it computes, in order (for a library step: the op, then the nodes its epilogue absorbed; for a fused step: the kernel's nodes, then its reduction's).</param>
/// <param name="Outputs">The values it leaves for later steps or returns (a fused step's: the kernel's outputs, then its reduction's).</param>
/// <param name="Kernel">The fused loop, for <see cref="StepKind.Fused"/>.</param>
/// <param name="Epilogue">The fused epilogue of a GEMM step, if any.</param>
/// <param name="Reduction">The reduction a fused step accumulates as it runs, if any.</param>
public sealed record PlanStep(StepKind Kind, EquatableArray<int> Nodes, EquatableArray<Value> Outputs, PointwiseKernel? Kernel, Epilogue? Epilogue, FusedReduction? Reduction = null)
{
    /// <summary>The node whose op the step runs (a library or view step's op; a fused step's first node).</summary>
    public int Node => Nodes[0];
}

/// <summary>Why a node was not fused with its neighbour: printed by <see cref="FusionPlan.Explain"/> and in generated comments.</summary>
/// <param name="Node">The node that starts a kernel of its own.</param>
/// <param name="Reason">Why, in a sentence.</param>
public sealed record FusionNote(int Node, string Reason);

/// <summary>
/// A graph cut into steps: pointwise chains fused into kernels, library calls (with GEMM epilogues), views
/// and reductions, in an order that respects every dependency. Which fused outputs reuse a dying input's
/// buffer is decided over this by <see cref="BufferReuse"/>; every other step's outputs are new tensors.
/// </summary>
/// <param name="Graph">The graph it plans.</param>
/// <param name="Steps">The steps, in execution order.</param>
/// <param name="Notes">Every decision not to fuse, with its reason.</param>
public sealed record FusionPlan(IrGraph Graph, EquatableArray<PlanStep> Steps, EquatableArray<FusionNote> Notes)
{
    /// <summary>The step that computes <paramref name="node"/>, or null for source nodes.</summary>
    public PlanStep? StepOf(int node) => Steps.FirstOrDefault(s => s.Nodes.Contains(node));

    /// <summary>The plan as text: one line per step, then its notes; stable, for tests and debugging.</summary>
    public string Explain()
    {
        var text = new StringBuilder();
        text.Append("plan ").AppendLine(Graph.Name);
        for (int i = 0; i < Steps.Count; i++)
        {
            PlanStep step = Steps[i];
            text.Append("  ").Append(i).Append(": ").Append(Describe(step));
            text.Append(" -> ").AppendLine(string.Join(", ", step.Outputs.Select(v => v.ToString())));
            foreach (int node in step.Nodes)
            {
                foreach (FusionNote note in Notes.Where(n => n.Node == node))
                {
                    text.Append("       not fused: %").Append(note.Node).Append(' ').Append(Graph.Nodes[note.Node].Op).Append(": ").AppendLine(note.Reason);
                }
            }
        }

        return text.ToString();
    }

    /// <summary><c>fused fused_relu_add_5 [%5 relu, %6 add]</c>, <c>library %3 linear + relu</c>, <c>view %2 flatten</c>.</summary>
    public string Describe(PlanStep step)
    {
        string nodes = string.Join(", ", step.Nodes.Select(n => "%" + n + " " + Graph.Nodes[n].Op));
        return step.Kind switch
        {
            StepKind.Fused => "fused " + step.Kernel!.Name + " [" + nodes + "]",
            StepKind.Library when step.Epilogue is { } e => "library %" + step.Node + " " + Graph.Nodes[step.Node].Op +
                (e.Bias is { } b ? " + bias " + b : string.Empty) + (e.Activation is { } a ? " + " + a : string.Empty) +
                (e.Into is { } into ? " added into " + into : string.Empty),
            StepKind.Library => "library " + nodes,
            StepKind.Reduction => "reduction " + nodes,
            _ => "view " + nodes,
        };
    }
}
