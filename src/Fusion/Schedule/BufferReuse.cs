using DeepGen.Fusion.Ir;

namespace DeepGen.Fusion.Schedule;

/// <summary>
/// The buffer plan of a planned graph: which fused kernel outputs are written into the buffer of an input
/// that dies at that kernel, instead of a new tensor (Inductor's in-place buffer reuse). An input qualifies
/// when the kernel is its only reader (directly; no view of it is read anywhere), it is not returned or
/// saved, a step of this graph made it as a new buffer (a fused kernel, or a library op known to allocate
/// its result), and it has the output's dtype and shape, so every element is read and written at the same
/// index. Each decision depends only on who reads the value, not on the order the steps run in, so it holds
/// for steps the emitter runs later or under a condition. The runtime checks the tensor again before writing
/// into it (<c>Pointwise.Run</c>) and allocates when the check fails.
/// </summary>
public static class BufferReuse
{
    /// <summary>Library ops whose results are always new, dense buffers of their own.</summary>
    private static readonly HashSet<string> AllocatingOps =
    [
        "linear", "matmul", "conv2d", "conv2d_input_grad", "conv2d_weight_grad", "layer_norm", "layer_norm_backward",
        "batch_norm_backward", "softmax", "log_softmax", "softmax_backward", "log_softmax_backward",
        "scaled_dot_product_attention", "scaled_dot_product_attention_backward", "max_pool2d", "max_pool2d_backward", "avg_pool2d_backward",
        "embedding",
    ];

    /// <summary>For each fused output that takes over an input's buffer, that input.</summary>
    public static IReadOnlyDictionary<Value, Value> Of(FusionPlan plan)
    {
        IrGraph graph = plan.Graph;
        var (producers, readers, viewed) = Uses(plan);
        var escaping = new HashSet<Value>(graph.Outputs);
        var reuse = new Dictionary<Value, Value>();
        foreach (PlanStep step in plan.Steps.Where(s => s.Kind == StepKind.Fused))
        {
            var taken = new HashSet<Value>();
            foreach (KernelOutput output in step.Kernel!.Outputs)
            {
                TensorType type = graph.TypeOf(output.Value);
                foreach (KernelInput input in step.Kernel.Inputs)
                {
                    Value candidate = input.Value;
                    if (!taken.Contains(candidate)
                        && !escaping.Contains(candidate)
                        && !viewed.Contains(candidate)
                        && readers.TryGetValue(candidate, out var set) && set.Count == 1
                        && producers.TryGetValue(candidate.Node, out PlanStep? producer) && MakesNewBuffer(producer, graph)
                        && graph.TypeOf(candidate) == type)
                    {
                        taken.Add(candidate);
                        reuse[output.Value] = candidate;
                        break;
                    }
                }
            }
        }

        return reuse;
    }

    /// <summary>
    /// The values a step of the plan made as a new buffer of its own (a fused kernel, or a library op known to
    /// allocate its result) that no view reads: when such a value dies, its buffer dies with it. The compiled
    /// forward lists the saved ones among them, whose buffers the runtime recycles after the backward.
    /// </summary>
    public static IReadOnlyCollection<Value> OwnBuffers(FusionPlan plan)
    {
        var (producers, _, viewed) = Uses(plan);
        return plan.Steps.Where(step => MakesNewBuffer(step, plan.Graph))
            .SelectMany(step => step.Outputs)
            .Where(v => !viewed.Contains(v) && producers.ContainsKey(v.Node))
            .ToList();
    }

    /// <summary>Each value's producing step (by node), its reading steps, and the values some view step reads.</summary>
    private static (Dictionary<int, PlanStep> Producers, Dictionary<Value, HashSet<PlanStep>> Readers, HashSet<Value> Viewed) Uses(FusionPlan plan)
    {
        var producers = new Dictionary<int, PlanStep>();
        foreach (PlanStep step in plan.Steps)
        {
            foreach (Value output in step.Outputs)
            {
                producers[output.Node] = step;
            }
        }

        var readers = new Dictionary<Value, HashSet<PlanStep>>();
        var viewed = new HashSet<Value>();
        foreach (PlanStep step in plan.Steps)
        {
            foreach (Value input in Reads(step, plan.Graph))
            {
                if (!readers.TryGetValue(input, out var set))
                {
                    readers[input] = set = [];
                }

                set.Add(step);
                if (step.Kind == StepKind.View)
                {
                    viewed.Add(input);
                }
            }
        }

        return (producers, readers, viewed);
    }

    /// <summary>The values a step reads from other steps or sources (a fused kernel's inner values are its own).</summary>
    private static IEnumerable<Value> Reads(PlanStep step, IrGraph graph)
    {
        if (step.Kind == StepKind.Fused)
        {
            return step.Kernel!.Inputs.Select(i => i.Value);
        }

        IEnumerable<Value> inputs = step.Nodes.SelectMany(n => graph.Nodes[n].Inputs).Where(v => !step.Nodes.Contains(v.Node));
        if (step.Epilogue?.Bias is { } bias)
        {
            inputs = inputs.Append(bias);
        }

        return step.Epilogue?.Into is { } into ? inputs.Append(into) : inputs;
    }

    private static bool MakesNewBuffer(PlanStep producer, IrGraph graph) => producer.Kind switch
    {
        StepKind.Fused => true,
        StepKind.Library => AllocatingOps.Contains(graph.Nodes[producer.Node].Op),
        _ => false,
    };
}
