using DeepGen.Fusion.Ops;

namespace DeepGen.Fusion.Ir;

/// <summary>
/// Builds an <see cref="IrGraph"/> node by node. Every op goes through its shape rule as it is added, so a
/// mismatch is found at the node that causes it (and reported at its <see cref="SourceSpan"/>).
/// </summary>
public sealed class GraphBuilder
{
    private readonly string _name;
    private readonly List<IrNode> _nodes = [];
    private readonly List<Value> _outputs = [];
    private int _arguments;

    /// <summary>Starts an empty graph.</summary>
    public GraphBuilder(string name)
    {
        _name = name;
    }

    /// <summary>Starts from an existing graph's nodes (its outputs are not copied): autodiff appends the backward this way.</summary>
    public GraphBuilder(IrGraph graph)
    {
        _name = graph.Name;
        _nodes.AddRange(graph.Nodes);
        _arguments = graph.Nodes.Count(n => n.Op == SourceOps.Input);
    }

    /// <summary>The nodes so far.</summary>
    public IReadOnlyList<IrNode> Nodes => _nodes;

    /// <summary>The next argument of the graph (a parameter of Forward).</summary>
    public Value Input(string name, TensorType type, SourceSpan? source = null) => Input(name, type, Attrs.Empty, source);

    /// <summary>The next argument of the graph, with extra attributes (the backward's <c>shape_only</c> saved values).</summary>
    public Value Input(string name, TensorType type, Attrs extra, SourceSpan? source = null)
    {
        Attrs attrs = Attrs.Empty.With("name", name).With("index", (long)_arguments++);
        foreach (Attr attr in extra.Items)
        {
            attrs = new Attrs(attrs.Items.Append(attr).ToEquatableArray());
        }

        return Add(SourceOps.Input, [], attrs, [type], source);
    }

    /// <summary>A parameter or buffer of the module.</summary>
    /// <param name="stateName">Its state-dict key (<c>fc1.weight</c>).</param>
    /// <param name="access">The C# expression, from <c>this</c>, that yields it (<c>fc1.Weight</c>).</param>
    /// <param name="type">Its type.</param>
    /// <param name="isBuffer">True for buffers (running statistics): never given a gradient.</param>
    public Value Parameter(string stateName, string access, TensorType type, bool isBuffer = false)
    {
        string op = isBuffer ? SourceOps.Buffer : SourceOps.Parameter;
        IrNode? existing = _nodes.FirstOrDefault(n => n.Op == op && n.Attrs.Text("name") == stateName);
        return existing is not null ? existing.Result : Add(op, [], Attrs.Empty.With("name", stateName).With("access", access), [type], null);
    }

    /// <summary>A 0-d constant that promotes like a Python number.</summary>
    public Value Constant(double value, ScalarType dtype)
    {
        IrNode? existing = _nodes.FirstOrDefault(n => n.Op == SourceOps.Constant && n.Type.DType == dtype && n.Attrs.Real("value").Equals(value));
        return existing is not null ? existing.Result : Add(SourceOps.Constant, [], Attrs.Empty.With("value", value), [TensorType.Of(dtype, Array.Empty<Dim>())], null);
    }

    /// <summary>Adds a single-output op after checking its inputs with the op's shape rule.</summary>
    /// <exception cref="ShapeException">The shape or dtype rule rejects the inputs.</exception>
    public Value Op(string op, IReadOnlyList<Value> inputs, Attrs? attrs = null, SourceSpan? source = null)
    {
        IReadOnlyList<Value> outputs = OpOutputs(op, inputs, attrs, source);
        return outputs[0];
    }

    /// <summary>Adds an op and returns all its outputs.</summary>
    /// <exception cref="ShapeException">The shape or dtype rule rejects the inputs.</exception>
    public IReadOnlyList<Value> OpOutputs(string op, IReadOnlyList<Value> inputs, Attrs? attrs = null, SourceSpan? source = null)
    {
        OpDef def = OpTable.Get(op);
        attrs ??= Attrs.Empty;
        if (inputs.Count < def.MinInputs || inputs.Count > def.MaxInputs)
        {
            string expected = def.MinInputs == def.MaxInputs ? def.MinInputs.ToString(System.Globalization.CultureInfo.InvariantCulture) : $"{def.MinInputs} to {def.MaxInputs}";
            throw new ShapeException(op, $"takes {expected} inputs, got {inputs.Count}", source);
        }

        var types = inputs.Select(TypeOf).ToList();
        var weak = inputs.Select(v => _nodes[v.Node].Op == SourceOps.Constant).ToList();
        IReadOnlyList<TensorType> outputs = def.Infer(new InferContext(op, types, weak, attrs, source));
        IrNode node = AddNode(op, inputs, attrs, outputs, source);
        return Enumerable.Range(0, outputs.Count).Select(k => new Value(node.Id, k)).ToList();
    }

    /// <summary>A value's type.</summary>
    public TensorType TypeOf(Value value)
    {
        if (value.Node < 0 || value.Node >= _nodes.Count || value.Output >= _nodes[value.Node].Outputs.Count)
        {
            throw new ArgumentException($"{value} is not a value of graph {_name}.", nameof(value));
        }

        return _nodes[value.Node].Outputs[value.Output];
    }

    /// <summary>Marks a value as a result of the graph.</summary>
    public void Output(Value value)
    {
        TypeOf(value);
        _outputs.Add(value);
    }

    /// <summary>The graph.</summary>
    public IrGraph Build() => new(_name, _nodes.ToEquatableArray(), _outputs.ToEquatableArray());

    private Value Add(string op, Value[] inputs, Attrs attrs, TensorType[] outputs, SourceSpan? source) =>
        AddNode(op, inputs, attrs, outputs, source).Result;

    private IrNode AddNode(string op, IReadOnlyList<Value> inputs, Attrs attrs, IReadOnlyList<TensorType> outputs, SourceSpan? source)
    {
        var node = new IrNode(_nodes.Count, op, inputs.ToEquatableArray(), attrs, outputs.ToEquatableArray(), source);
        _nodes.Add(node);
        return node;
    }
}
