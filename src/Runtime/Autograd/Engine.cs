namespace DeepGen.Autograd;

/// <summary>
/// Runs the backward pass: walks the graph from the root in dependency order, calls each node's backward,
/// sums gradients that meet at a node, and accumulates into the leaves' <see cref="Tensor.Grad"/>.
/// </summary>
internal static class Engine
{
    public static void Backward(Tensor root, Tensor? gradient, bool retainGraph)
    {
        if (!root.RequiresGrad)
            throw new InvalidOperationException(
                $"backward: the tensor (shape {Shapes.Format(root.Shape)}) does not require grad and has no GradFn; " +
                "set RequiresGrad on the leaves it was computed from, outside a no-grad scope");
        var owned = new OwnedGradients(); // before the implicit seed below, so that the seed is owned too; a caller's gradient is not
        if (gradient is null)
        {
            if (root.Numel != 1)
                throw new InvalidOperationException(
                    $"backward: the gradient can be implicitly created only for scalar outputs, this tensor has shape {Shapes.Format(root.Shape)}; pass a gradient of that shape");
            gradient = Tensor.OnesLike(root);
        }
        else if (!Shapes.Equal(gradient.Shape, root.Shape))
            throw new ArgumentException($"backward: gradient shape {Shapes.Format(gradient.Shape)} does not match the tensor's shape {Shapes.Format(root.Shape)}");

        using var noGrad = GradMode.NoGrad();
        var rootNode = root.GradFn ?? root.GradAccumulator();
        var dependencies = CountDependencies(rootNode);
        var grads = new Dictionary<Node, Tensor> { [rootNode] = owned.HandOut(gradient.DType == root.DType ? gradient : gradient.To(root.DType)) };
        var ready = new Stack<Node>();
        ready.Push(rootNode);

        while (ready.Count > 0)
        {
            var node = ready.Pop();
            var grad = grads[node];
            grads.Remove(node);

            if (node.Leaf is { } leaf)
            {
                Accumulate(leaf, grad, owned.IsSoleOwner(grad));
                continue;
            }
            if (node.RetainedOutput is { } retained) Accumulate(retained, grad, stealable: false); // grad goes on to the node's inputs

            var inputGrads = node.Apply(grad);
            if (inputGrads.Length != node.Next.Length)
                throw new InvalidOperationException($"{node.Name}: backward returned {inputGrads.Length} gradients for {node.Next.Length} inputs");
            for (int i = 0; i < node.Next.Length; i++)
            {
                var next = node.Next[i];
                if (next is null) continue;
                var g = inputGrads[i];
                if (g is not null)
                {
                    g = Conform(g, node.InputShapes[i], node.InputDTypes[i], node.Name);
                    grads[next] = owned.HandOut(grads.TryGetValue(next, out var sum) ? sum + g : g);
                }
                if (--dependencies[next] == 0)
                {
                    if (grads.ContainsKey(next)) ready.Push(next);
                    else SkipSubgraph(next, dependencies, grads, ready);
                }
            }
            if (!retainGraph) node.Release();
        }
    }

    /// <summary>A node that received no gradient at all still releases its inputs' dependency counts.</summary>
    static void SkipSubgraph(Node node, Dictionary<Node, int> dependencies, Dictionary<Node, Tensor> grads, Stack<Node> ready)
    {
        foreach (var next in node.Next)
        {
            if (next is null) continue;
            if (--dependencies[next] == 0)
            {
                if (grads.ContainsKey(next)) ready.Push(next);
                else SkipSubgraph(next, dependencies, grads, ready);
            }
        }
    }

    static Dictionary<Node, int> CountDependencies(Node root)
    {
        var counts = new Dictionary<Node, int>(ReferenceEqualityComparer.Instance) { [root] = 0 };
        var stack = new Stack<Node>();
        stack.Push(root);
        while (stack.Count > 0)
        {
            var node = stack.Pop();
            foreach (var next in node.Next)
            {
                if (next is null) continue;
                if (counts.TryGetValue(next, out var c)) counts[next] = c + 1;
                else
                {
                    counts[next] = 1;
                    stack.Push(next);
                }
            }
        }
        return counts;
    }

    /// <summary>Reduces a broadcast gradient back to the input's shape and casts it to the input's dtype.</summary>
    static Tensor Conform(Tensor g, int[] shape, DType dtype, string op)
    {
        if (!Shapes.Equal(g.Shape, shape)) g = g.SumToShape(shape, op);
        return g.DType == dtype ? g : g.To(dtype);
    }

    /// <summary>
    /// Adds <paramref name="grad"/> to the target's gradient. The gradient must never alias another tensor,
    /// since optimizers and clipping update it in place: a copy is kept, unless <paramref name="stealable"/>
    /// says nothing else holds <paramref name="grad"/>'s buffer, which then becomes the gradient as it is.
    /// </summary>
    static void Accumulate(Tensor target, Tensor grad, bool stealable)
    {
        if (!Shapes.Equal(grad.Shape, target.Shape))
            throw new InvalidOperationException($"backward: gradient of shape {Shapes.Format(grad.Shape)} for a tensor of shape {Shapes.Format(target.Shape)}");
        target.Grad = target.Grad is not null ? target.Grad + grad : stealable ? grad : grad.Clone();
    }
}
