using DeepGen.Fusion.Ir;

namespace DeepGen.Fusion.Ops;

/// <summary>What an op's derivative rule works with: the forward node, the gradients of its outputs, and a builder to add backward ops to.</summary>
public sealed class VjpContext
{
    private readonly IReadOnlyList<Value?> _outputGrads;
    private readonly IReadOnlyList<bool> _needsGrad;

    /// <summary>Creates the context for one node.</summary>
    public VjpContext(GraphBuilder graph, IrNode node, IReadOnlyList<Value?> outputGrads, IReadOnlyList<bool> needsGrad)
    {
        Graph = graph;
        Node = node;
        _outputGrads = outputGrads;
        _needsGrad = needsGrad;
    }

    /// <summary>The graph the backward ops go into (it also holds the forward nodes).</summary>
    public GraphBuilder Graph { get; }

    /// <summary>The forward node being differentiated.</summary>
    public IrNode Node { get; }

    /// <summary>The forward node's attributes.</summary>
    public Attrs Attrs => Node.Attrs;

    /// <summary>The gradient of the (first) output; every rule is only called when some output has one.</summary>
    public Value Grad => GradOf(0) ?? throw new InvalidOperationException($"{Node.Op}: its first output has no gradient");

    /// <summary>The number of inputs of the forward node.</summary>
    public int InputCount => Node.Inputs.Count;

    /// <summary>The gradient of output <paramref name="k"/>, or null when nothing downstream needs it.</summary>
    public Value? GradOf(int k) => _outputGrads[k];

    /// <summary>Input <paramref name="i"/> of the forward node.</summary>
    public Value Input(int i) => Node.Inputs[i];

    /// <summary>Output <paramref name="k"/> of the forward node.</summary>
    public Value Output(int k = 0) => new(Node.Id, k);

    /// <summary>Whether input <paramref name="i"/> needs a gradient (rules skip work for the others).</summary>
    public bool NeedsGrad(int i) => _needsGrad[i];

    /// <summary>A value's type.</summary>
    public TensorType TypeOf(Value value) => Graph.TypeOf(value);

    /// <summary>Adds a backward op.</summary>
    public Value Op(string op, params Value[] inputs) => Graph.Op(op, inputs, null, Node.Source);

    /// <summary>Adds a backward op with attributes.</summary>
    public Value Op(string op, Attrs attrs, params Value[] inputs) => Graph.Op(op, inputs, attrs, Node.Source);

    /// <summary>Adds a multi-output backward op.</summary>
    public IReadOnlyList<Value> Ops(string op, Attrs attrs, params Value[] inputs) => Graph.OpOutputs(op, inputs, attrs, Node.Source);

    /// <summary>A constant of the gradient's dtype class (a weak scalar).</summary>
    public Value Constant(double value) => Graph.Constant(value, ScalarType.Float32);

    /// <summary>
    /// Sums a gradient back to the shape of <paramref name="like"/> (undoing broadcasting): nothing when
    /// the shapes are provably equal, else <c>sum_to</c>, which reads only <paramref name="like"/>'s shape.
    /// </summary>
    public Value SumTo(Value grad, Value like)
    {
        TensorType g = TypeOf(grad);
        TensorType target = TypeOf(like);
        if (g.Rank == target.Rank && g.Shape.Zip(target.Shape, DimMath.ProvablyEqual).All(x => x))
        {
            return grad;
        }

        return Op(ElementOps.SumTo, grad, like);
    }
}
