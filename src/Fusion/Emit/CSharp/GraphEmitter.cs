using System.Globalization;
using DeepGen.Fusion.Ir;
using DeepGen.Fusion.Schedule;

namespace DeepGen.Fusion.Emit.CSharp;

/// <summary>
/// Writes the statements of one planned graph: a local per value (<c>v7</c>, <c>v9_1</c> for a second
/// output), one statement per step in plan order, each with a comment naming the nodes it computes and,
/// where fusion stopped, why.
/// </summary>
internal sealed class GraphEmitter
{
    private readonly FusionPlan _plan;
    private readonly string _kernels;
    private readonly Func<IrNode, string> _source;
    private readonly HashSet<Value> _nullable = [];
    private readonly IReadOnlyDictionary<Value, Value> _reuse;
    private readonly List<string> _sources = [];

    /// <param name="plan">The planned graph.</param>
    /// <param name="kernels">The nested class that holds this graph's kernel structs.</param>
    /// <param name="source">The C# expression for a source node (an argument, a parameter access, a saved value).</param>
    public GraphEmitter(FusionPlan plan, string kernels, Func<IrNode, string> source)
    {
        _plan = plan;
        _kernels = kernels;
        _source = source;
        _reuse = BufferReuse.Of(plan);
    }

    private IrGraph Graph => _plan.Graph;

    /// <summary>The locals <see cref="WriteSteps"/> bound to the graph's inputs, parameters and buffers (the tensors the method was given).</summary>
    public IReadOnlyList<string> Sources => _sources;

    /// <summary>The expression that reads <paramref name="value"/> after <see cref="WriteSteps"/>.</summary>
    public string Ref(Value value) => Name(value) + (_nullable.Contains(value) ? "!" : string.Empty);

    public static string Name(Value value) => "v" + value.Node.ToString(CultureInfo.InvariantCulture) + (value.Output == 0 ? string.Empty : "_" + value.Output.ToString(CultureInfo.InvariantCulture));

    /// <summary>Binds the source nodes the graph reads, then writes every step.</summary>
    public void WriteSteps(CodeWriter w) => WriteSteps(w, new HashSet<PlanStep>());

    /// <summary>The steps that <paramref name="values"/> need, directly or through other steps.</summary>
    public HashSet<PlanStep> StepsFor(IEnumerable<Value> values)
    {
        var needed = new HashSet<PlanStep>();
        var pending = new Stack<Value>(values);
        while (pending.Count > 0)
        {
            Value v = pending.Pop();
            PlanStep? step = _plan.StepOf(v.Node);
            if (step is null || !needed.Add(step))
            {
                continue;
            }

            foreach (int node in step.Nodes)
            {
                foreach (Value input in Graph.Nodes[node].Inputs)
                {
                    pending.Push(input);
                }
            }

            if (step.Epilogue?.Bias is { } bias)
            {
                pending.Push(bias);
            }

            if (step.Epilogue?.Into is { } into)
            {
                pending.Push(into);
            }
        }

        return needed;
    }

    /// <summary>
    /// Binds the sources, then writes every step except <paramref name="deferred"/> (which nothing else may
    /// need), leaving those to <see cref="WriteDeferred"/>.
    /// </summary>
    public void WriteSteps(CodeWriter w, ISet<PlanStep> deferred)
    {
        var used = new HashSet<int>(Graph.Nodes.SelectMany(n => n.Inputs.Select(v => v.Node)).Concat(Graph.Outputs.Select(v => v.Node)));
        foreach (IrNode node in Graph.Nodes.Where(n => SourceOps.IsSource(n.Op) && used.Contains(n.Id)))
        {
            if (node.Op == SourceOps.Constant && !ReadOutsideKernels(node.Id))
            {
                continue; // a literal inside the kernels that read it
            }

            string expression = node.Op == SourceOps.Constant
                ? $"Tensor.Scalar({KernelEmitter.Literal(node.Attrs.Real("value"), ScalarType.Float64)}, DType.{DTypeName(node.Type.DType)})"
                : _source(node);
            w.Line($"Tensor {Name(node.Result)} = {expression};{Comment(node)}");
            if (node.Op != SourceOps.Constant)
            {
                _sources.Add(Name(node.Result));
            }
        }

        WriteSymbols(w);
        foreach (PlanStep step in _plan.Steps.Where(st => !deferred.Contains(st)))
        {
            WriteStep(w, step);
        }
    }

    /// <summary>Binds each symbolic size a call needs (<c>int dimB = v0.Size(0);</c>) from the first source whose shape has it.</summary>
    private void WriteSymbols(CodeWriter w)
    {
        var needed = new SortedSet<string>(_plan.Steps.SelectMany(s => LibraryCalls.SymbolsOf(Graph.Nodes[s.Node])), StringComparer.Ordinal);
        var bound = new HashSet<int>(Graph.Nodes.SelectMany(n => n.Inputs.Select(v => v.Node)).Concat(Graph.Outputs.Select(v => v.Node)));
        foreach (string symbol in needed)
        {
            IrNode? source = Graph.Nodes.FirstOrDefault(n => n.Op != SourceOps.Constant && SourceOps.IsSource(n.Op) && bound.Contains(n.Id)
                && n.Type.Shape.Any(d => d.IsPlainSymbol && d.Symbol == symbol));
            if (source is null)
            {
                throw new NotSupportedException($"{Graph.Name}: the size {symbol} is not the size of any input, so the compiled code cannot know it");
            }

            int dim = source.Type.Shape.ToList().FindIndex(d => d.IsPlainSymbol && d.Symbol == symbol);
            w.Line($"int {SymbolName(symbol)} = {Name(source.Result)}.Size({dim.ToString(CultureInfo.InvariantCulture)}); // {symbol}");
        }
    }

    private static string SymbolName(string symbol) => "dim" + symbol;

    /// <summary>Writes <paramref name="deferred"/> (in plan order) inside the current block.</summary>
    public void WriteDeferred(CodeWriter w, ISet<PlanStep> deferred)
    {
        bool first = true;
        foreach (PlanStep step in _plan.Steps.Where(deferred.Contains))
        {
            WriteStep(w, step, blankLine: !first);
            first = false;
        }
    }

    private bool ReadOutsideKernels(int constant)
    {
        if (Graph.Outputs.Any(v => v.Node == constant))
        {
            return true;
        }

        return _plan.Steps.Where(s => s.Kind != StepKind.Fused)
            .Any(s => s.Nodes.Any(n => Graph.Nodes[n].Inputs.Any(v => v.Node == constant)) || s.Epilogue?.Bias?.Node == constant);
    }

    private static string Comment(IrNode node) => node.Op switch
    {
        SourceOps.Input or SourceOps.Parameter or SourceOps.Buffer => $" // %{node.Id} {node.Op} {node.Attrs.Text("name")} : {node.Type}",
        _ => $" // %{node.Id} : {node.Type}",
    };

    private void WriteStep(CodeWriter w, PlanStep step, bool blankLine = true)
    {
        if (blankLine)
        {
            w.Line();
        }

        w.Line("// " + _plan.Describe(step) + " : " + string.Join(", ", step.Outputs.Select(v => Graph.TypeOf(v).ToString())));
        foreach (int node in step.Nodes)
        {
            foreach (FusionNote note in _plan.Notes.Where(n => n.Node == node))
            {
                w.Line($"// not fused: %{node} {Graph.Nodes[node].Op}: {note.Reason}");
            }
        }

        if (step.Kind == StepKind.Fused)
        {
            PointwiseKernel kernel = step.Kernel!;
            string inputs = string.Join(", ", kernel.Inputs.Select(i => Ref(i.Value)));
            string types = string.Join(", ", kernel.Outputs.Select(o => "DType." + DTypeName(o.DType)));
            string reuse = string.Empty;
            if (kernel.Outputs.Any(o => _reuse.ContainsKey(o.Value)))
            {
                foreach (KernelOutput output in kernel.Outputs.Where(o => _reuse.ContainsKey(o.Value)))
                {
                    w.Line($"// buffer: {Name(output.Value)} is written into {Name(_reuse[output.Value])}'s buffer (this kernel is its last reader)");
                }

                reuse = ", reuse: [" + string.Join(", ", kernel.Outputs.Select(o =>
                    _reuse.TryGetValue(o.Value, out Value taken) ? kernel.Inputs.ToList().FindIndex(i => i.Value == taken).ToString(CultureInfo.InvariantCulture) : "-1")) + "]";
            }

            string sum = step.Reduction is { } r
                ? $", sum: new LeadingSum({r.Output.ToString(CultureInfo.InvariantCulture)}, {r.Dims.ToString(CultureInfo.InvariantCulture)}, KeepDim: {LibraryCalls.Bool(r.KeepDim)}, Mean: {LibraryCalls.Bool(r.Mean)})"
                : string.Empty;
            string call = $"Pointwise.Run(\"{kernel.Name}\", new {_kernels}.{kernel.Name}(), [{inputs}], [{types}]{reuse}{sum})";
            if (step.Outputs.Count == 1)
            {
                w.Line($"Tensor {Name(step.Outputs[0])} = {call}[0];");
                return;
            }

            string results = "k" + step.Node.ToString(CultureInfo.InvariantCulture);
            w.Line($"Tensor[] {results} = {call};");
            for (int k = 0; k < step.Outputs.Count; k++)
            {
                w.Line($"Tensor {Name(step.Outputs[k])} = {results}[{k}];");
            }

            return;
        }

        IrNode op = Graph.Nodes[step.Node];
        string expression = LibraryCalls.Call(op, Graph, Ref, step.Epilogue?.Bias is { } b ? Ref(b) : null, step.Epilogue?.Activation == "relu", SymbolName,
            step.Epilogue?.Into is { } into ? Ref(into) : null);
        if (op.Outputs.Count == 1)
        {
            w.Line($"Tensor {Name(step.Outputs[0])} = {expression};");
            return;
        }

        var names = Enumerable.Range(0, op.Outputs.Count).Select(k => new Value(op.Id, k)).ToList();
        if (LibraryCalls.HasNullableOutputs(op.Op))
        {
            _nullable.Add(names[1]);
            _nullable.Add(names[2]);
        }

        w.Line($"var ({string.Join(", ", names.Select(Name))}) = {expression};");
    }

    public static string DTypeName(ScalarType type) => type switch
    {
        ScalarType.Float32 => "Float32",
        ScalarType.Float64 => "Float64",
        ScalarType.Int64 => "Int64",
        _ => "Bool",
    };
}
