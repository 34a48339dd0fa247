using DeepGen.Fusion.Ir;
using DeepGen.Fusion.Ops;

namespace DeepGen.Fusion.Autodiff;

/// <summary>
/// Build-time reverse-mode autodiff: walks the forward graph backwards, asks each op's derivative rule
/// (<see cref="OpDef.Vjp"/>) for its inputs' gradients, and splits the result into a forward graph (which
/// also returns what the backward needs) and a backward graph. Cheap (arithmetic) pointwise values whose
/// inputs are kept anyway are recomputed in the backward instead of saved (the idea of PyTorch's AOTAutograd).
/// </summary>
public static class Differentiator
{
    /// <summary>Differentiates every output with respect to every floating input and parameter.</summary>
    /// <exception cref="NotSupportedException">An op on the way to the outputs has no derivative rule.</exception>
    public static TrainingGraphs Derive(IrGraph forward)
    {
        bool[][] requiresGrad = RequiresGrad(forward);
        var joint = new GraphBuilder(forward);
        var grads = new Dictionary<Value, Value>();

        var seeds = new List<Value>();
        foreach (Value output in forward.Outputs)
        {
            Value seed = joint.Input("grad" + seeds.Count, forward.TypeOf(output));
            seeds.Add(seed);
            Accumulate(joint, grads, output, seed);
        }

        for (int id = forward.Nodes.Count - 1; id >= 0; id--)
        {
            IrNode node = forward.Nodes[id];
            Value?[] outputGrads = Enumerable.Range(0, node.Outputs.Count)
                .Select(k => grads.TryGetValue(new Value(id, k), out Value g) && requiresGrad[id][k] ? g : (Value?)null)
                .ToArray();
            if (SourceOps.IsSource(node.Op) || outputGrads.All(g => g is null))
            {
                continue;
            }

            bool[] needs = node.Inputs.Select(v => requiresGrad[v.Node][v.Output]).ToArray();
            IReadOnlyList<Value?> inputGrads = OpTable.Get(node.Op).Vjp(new VjpContext(joint, node, outputGrads, needs));
            for (int i = 0; i < node.Inputs.Count; i++)
            {
                if (needs[i] && inputGrads[i] is { } g)
                {
                    Accumulate(joint, grads, node.Inputs[i], g);
                }
            }
        }

        var targets = forward.Nodes
            .Where(n => n.Op is SourceOps.Input or SourceOps.Parameter && requiresGrad[n.Id][0] && grads.ContainsKey(n.Result))
            .ToList();
        return Split(forward, joint.Build(), seeds, targets.Select(n => (n, grads[n.Result])).ToList());
    }

    /// <summary>Per node output: does a gradient flow through it? Floating inputs and parameters start it; non-differentiable ops stop it.</summary>
    private static bool[][] RequiresGrad(IrGraph graph)
    {
        var result = new bool[graph.Nodes.Count][];
        foreach (IrNode node in graph.Nodes)
        {
            bool flows = node.Op switch
            {
                SourceOps.Input or SourceOps.Parameter => true,
                SourceOps.Buffer or SourceOps.Constant => false,
                _ => OpTable.Get(node.Op).IsDifferentiable && node.Inputs.Any(v => result[v.Node][v.Output]),
            };
            result[node.Id] = node.Outputs.Select(t => flows && t.DType.IsFloating()).ToArray();
        }

        return result;
    }

    private static void Accumulate(GraphBuilder joint, Dictionary<Value, Value> grads, Value target, Value grad)
    {
        grads[target] = grads.TryGetValue(target, out Value existing) ? joint.Op("add", [existing, grad]) : grad;
    }

    private static TrainingGraphs Split(IrGraph forward, IrGraph joint, IReadOnlyList<Value> seeds, IReadOnlyList<(IrNode Source, Value Grad)> targets)
    {
        int forwardCount = forward.Nodes.Count;
        var seedSet = new HashSet<Value>(seeds);

        // The backward part: the nodes after the forward ones that the gradients need.
        var needed = new HashSet<int>();
        var stack = new Stack<int>(targets.Select(t => t.Grad.Node).Where(n => n >= forwardCount));
        while (stack.Count > 0)
        {
            int id = stack.Pop();
            if (needed.Add(id))
            {
                foreach (Value v in joint.Nodes[id].Inputs.Where(v => v.Node >= forwardCount))
                {
                    stack.Push(v.Node);
                }
            }
        }

        var backwardNodes = needed.OrderBy(i => i).Select(i => joint.Nodes[i]).Where(n => !seedSet.Contains(n.Result)).ToList();

        // Forward values the backward reads, and how (data, or only the shape).
        var reads = new Dictionary<Value, BackwardRead>();
        foreach (IrNode node in backwardNodes)
        {
            OpDef def = OpTable.Get(node.Op);
            for (int i = 0; i < node.Inputs.Count; i++)
            {
                Value v = node.Inputs[i];
                if (v.Node >= forwardCount || forward.Nodes[v.Node].Op == SourceOps.Constant)
                {
                    continue;
                }

                bool data = !def.IsShapeOnlyInput(i);
                reads[v] = reads.TryGetValue(v, out BackwardRead? seen)
                    ? new BackwardRead(seen.DataUse || data, seen.Reason)
                    : new BackwardRead(data, data ? $"read by {node.Op} %{node.Id}" : $"shape read by {node.Op} %{node.Id}");
            }
        }

        List<Recomputation> recomputed = ChooseRecomputation(forward, reads);
        var recomputedIds = new HashSet<int>(recomputed.Select(r => r.ForwardNode));
        var saved = reads
            .Where(r => !recomputedIds.Contains(r.Key.Node))
            .OrderBy(r => r.Key.Node).ThenBy(r => r.Key.Output)
            .Select(r => new SavedValue(r.Key, !r.Value.DataUse, r.Value.Reason))
            .ToList();

        var forwardOut = new GraphBuilder(forward);
        foreach (Value v in forward.Outputs.Concat(saved.Select(s => s.Forward)))
        {
            forwardOut.Output(v);
        }

        var backward = new GraphBuilder(forward.Name.Replace(".Forward", string.Empty) + ".Backward");
        var copier = new GraphCopier(backward);
        foreach (Value seed in seeds)
        {
            copier.Bind(seed, backward.Input(joint.Nodes[seed.Node].Attrs.Text("name"), joint.TypeOf(seed)));
        }

        for (int i = 0; i < saved.Count; i++)
        {
            Attrs extra = saved[i].ShapeOnly ? Attrs.Empty.With("shape_only", true) : Attrs.Empty;
            copier.Bind(saved[i].Forward, backward.Input("saved" + i, forward.TypeOf(saved[i].Forward), extra));
        }

        foreach (IrNode constant in forward.Nodes.Where(n => n.Op == SourceOps.Constant))
        {
            copier.Copy(constant);
        }

        foreach (IrNode node in forward.Nodes.Where(n => recomputedIds.Contains(n.Id)).Concat(backwardNodes))
        {
            copier.Copy(node);
        }

        var gradTargets = new List<GradTarget>();
        foreach ((IrNode source, Value grad) in targets)
        {
            gradTargets.Add(new GradTarget(source.Id, source.Attrs.Text("name"), gradTargets.Count));
            backward.Output(copier[grad]);
        }

        return new TrainingGraphs(
            forwardOut.Build(),
            backward.Build(),
            forward.Outputs.Count,
            saved.ToEquatableArray(),
            gradTargets.ToEquatableArray(),
            recomputed.ToEquatableArray());
    }

    /// <summary>
    /// Saved pointwise values whose inputs are all saved anyway (or are sources, or outputs the caller
    /// holds) are recomputed: one more pass of a few arithmetic instructions per element in the backward
    /// instead of one more tensor kept alive (only ops that are <see cref="OpDef.CheapToRecompute"/>: a GELU
    /// recomputed in the backward made the compiled transformer block's step slower than eager's).
    /// </summary>
    private static List<Recomputation> ChooseRecomputation(IrGraph forward, Dictionary<Value, BackwardRead> reads)
    {
        var outputs = new HashSet<Value>(forward.Outputs);
        var kept = new HashSet<Value>(reads.Where(r => r.Value.DataUse).Select(r => r.Key));
        var chosen = new List<Recomputation>();
        bool changed = true;
        while (changed)
        {
            changed = false;
            foreach (Value v in kept.OrderByDescending(v => v.Node).ToList())
            {
                IrNode node = forward.Nodes[v.Node];
                bool cheap = OpTable.Get(node.Op).CheapToRecompute && node.Outputs.Count == 1 && !outputs.Contains(v);
                if (!cheap || !node.Inputs.All(i => kept.Contains(i) || SourceOps.IsSource(forward.Nodes[i.Node].Op)))
                {
                    continue;
                }

                kept.Remove(v);
                foreach (Value input in node.Inputs.Where(i => forward.Nodes[i.Node].Op != SourceOps.Constant))
                {
                    kept.Add(input);
                }

                string inputs = string.Join(", ", node.Inputs.Select(i => i.ToString()));
                chosen.Add(new Recomputation(node.Id, $"{node.Op}({inputs}) is recomputed from values the backward keeps anyway instead of saving its {node.Type}"));
                changed = true;
            }
        }

        // A recomputed node's inputs become backward reads (and so saved values) if they were not already.
        foreach (Recomputation r in chosen)
        {
            foreach (Value input in forward.Nodes[r.ForwardNode].Inputs)
            {
                if (forward.Nodes[input.Node].Op != SourceOps.Constant && !chosen.Any(c => c.ForwardNode == input.Node))
                {
                    reads[input] = new BackwardRead(true, reads.TryGetValue(input, out BackwardRead? seen) ? seen.Reason : $"recomputes {forward.Nodes[r.ForwardNode].Op} %{r.ForwardNode}");
                }
            }
        }

        return chosen.OrderBy(r => r.ForwardNode).ToList();
    }
}

/// <summary>How the backward reads a forward value: its data, or only its shape; and why it is kept (for the generated comments).</summary>
/// <remarks>A class, not a tuple: a dictionary of value tuples would be jitted anew in every compiler process.</remarks>
internal sealed record BackwardRead(bool DataUse, string Reason);
