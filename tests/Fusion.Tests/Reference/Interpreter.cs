using DeepGen.Fusion.Ir;
using DeepGen.Fusion.Ops;

namespace DeepGen.Fusion.Tests.Reference;

/// <summary>
/// Runs an IrGraph on float64 reference tensors, op by op, with plain loops. It checks the compiler's
/// shape rules against real shapes and is the ground truth for its derivative rules (finite differences).
/// </summary>
internal static class Interpreter
{
    /// <summary>Evaluates the graph; <paramref name="sources"/> gives each input/parameter/buffer by name.</summary>
    public static IReadOnlyList<RefTensor> Run(IrGraph graph, IReadOnlyDictionary<string, RefTensor> sources)
    {
        var values = new Dictionary<Value, RefTensor>();
        var symbols = new Dictionary<string, long>();
        foreach (IrNode node in graph.Nodes)
        {
            RefTensor[] outputs = node.Op switch
            {
                SourceOps.Constant => [RefTensor.Scalar(node.Attrs.Real("value"))],
                SourceOps.Input or SourceOps.Parameter or SourceOps.Buffer => [Source(node, sources, symbols)],
                _ => Evaluate(node, node.Inputs.Select(v => values[v]).ToArray(), symbols),
            };

            if (outputs.Length != node.Outputs.Count)
            {
                throw new InvalidOperationException($"reference: {node.Op} gave {outputs.Length} outputs, the IR says {node.Outputs.Count}");
            }

            for (int k = 0; k < outputs.Length; k++)
            {
                CheckShape(node, node.Outputs[k], outputs[k].Shape, symbols);
                values[new Value(node.Id, k)] = outputs[k];
            }
        }

        return graph.Outputs.Select(v => values[v]).ToList();
    }

    private static RefTensor Source(IrNode node, IReadOnlyDictionary<string, RefTensor> sources, Dictionary<string, long> symbols)
    {
        string name = node.Attrs.Text("name");
        if (!sources.TryGetValue(name, out RefTensor? value))
        {
            throw new KeyNotFoundException($"reference: no value given for '{name}'");
        }

        // Bind symbols from the arguments' real sizes.
        for (int d = 0; d < Math.Min(node.Type.Rank, value.Rank); d++)
        {
            Dim dim = node.Type.Shape[d];
            if (dim.Kind == DimKind.Symbolic && !symbols.ContainsKey(dim.Symbol!))
            {
                symbols[dim.Symbol!] = (value.Shape[d] - dim.Offset) / dim.Scale;
            }
        }

        return value;
    }

    /// <summary>Every output's real shape must agree with the statically inferred one.</summary>
    private static void CheckShape(IrNode node, TensorType type, int[] shape, Dictionary<string, long> symbols)
    {
        bool ok = type.Rank == shape.Length;
        for (int d = 0; ok && d < shape.Length; d++)
        {
            long? expected = Resolve(type.Shape[d], symbols);
            ok = expected is null || expected == shape[d];
        }

        if (!ok)
        {
            throw new InvalidOperationException($"reference: {node} produced [{string.Join(", ", shape)}]");
        }
    }

    public static long? Resolve(Dim dim, IReadOnlyDictionary<string, long> symbols) => dim.Kind switch
    {
        DimKind.Constant => dim.Offset,
        DimKind.Symbolic when symbols.TryGetValue(dim.Symbol!, out long s) => (dim.Scale * s) + dim.Offset,
        _ => null,
    };

    private static RefTensor[] Evaluate(IrNode node, RefTensor[] x, Dictionary<string, long> symbols)
    {
        Attrs a = node.Attrs;
        if (OpTable.Get(node.Op) is PointwiseOp)
        {
            return [Pointwise(node.Op, x, a.Text("approximate", "none"))];
        }

        return node.Op switch
        {
            "sum" or "mean" or "amax" => [RefOps.Reduce(node.Op, x[0], a)],
            "sum_backward" => [RefOps.SpreadBack(x[0], x[1].Shape, a)],
            "mean_backward" => [RefOps.MeanBackward(x[0], x[1].Shape, a)],
            "sum_to" => [RefOps.SumTo(x[0], x[1].Shape)],
            "expand_as" => [x[0].Expand(x[1].Shape)],
            "reshape_as" => [x[0].Reshape(x[1].Shape)],
            "reshape" => [RefOps.Reshape(x[0], a, symbols)],
            "flatten" => [RefOps.Flatten(x[0], a)],
            "transpose" => [RefOps.Transpose(x[0], a)],
            "permute" => [RefOps.Permute(x[0], a.Ints("dims").Select(d => (int)d).ToArray())],
            "unsqueeze" => [RefOps.Unsqueeze(x[0], a)],
            "squeeze" => [RefOps.Squeeze(x[0], a)],
            "contiguous" or "detach" => [x[0]],
            "narrow" => [RefJoin.Narrow(x[0], a)],
            "narrow_backward" => [RefJoin.NarrowBackward(x[0], x[1].Shape, a)],
            "cat" => [RefJoin.Cat(x, a)],
            "stack" => [RefJoin.Stack(x, a)],
            "cat_backward" => [RefJoin.CatBackward(x[0], x[1..], a)],
            "stack_backward" => [RefJoin.StackBackward(x[0], x[1], a)],
            "matmul" => [RefOps.MatMul(x[0], x[1])],
            "linear" => [RefOps.Linear(x[0], x[1], x.Length > 2 ? x[2] : null)],
            _ => RefNeural.Evaluate(node.Op, x, a),
        };
    }

    private static RefTensor Pointwise(string op, RefTensor[] inputs, string approximate)
    {
        int[] shape = RefTensor.BroadcastShapes(inputs.Select(t => t.Shape));
        var result = new RefTensor(shape);
        var operands = new double[inputs.Length];
        for (int i = 0; i < result.Data.Length; i++)
        {
            int[] index = RefTensor.Unravel(i, shape);
            for (int k = 0; k < inputs.Length; k++)
            {
                operands[k] = inputs[k].Broadcast(index);
            }

            result.Data[i] = RefMath.Apply(op, operands, approximate);
        }

        return result;
    }
}
