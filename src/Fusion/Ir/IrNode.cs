namespace DeepGen.Fusion.Ir;

/// <summary>One operation in a graph.</summary>
/// <param name="Id">Its index in <see cref="IrGraph.Nodes"/>.</param>
/// <param name="Op">The op's name in <see cref="Ops.OpTable"/> (<c>linear</c>, <c>relu</c>, ...), or a source op (<c>input</c>, <c>parameter</c>, <c>buffer</c>, <c>constant</c>).</param>
/// <param name="Inputs">The values it reads, in the op's order.</param>
/// <param name="Attrs">Its constant arguments.</param>
/// <param name="Outputs">The types of the values it produces (one for most ops).</param>
/// <param name="Source">Where the user's code asked for it, when known.</param>
public sealed record IrNode(int Id, string Op, EquatableArray<Value> Inputs, Attrs Attrs, EquatableArray<TensorType> Outputs, SourceSpan? Source)
{
    /// <summary>The first (usually only) output's type.</summary>
    public TensorType Type => Outputs[0];

    /// <summary>The first output.</summary>
    public Value Result => new(Id);

    /// <summary>Graph text: <c>%3 = linear(%0, %1, %2) : f32[B, 256]</c>.</summary>
    public override string ToString()
    {
        string target = Outputs.Count == 1 ? $"%{Id}" : "(" + string.Join(", ", Enumerable.Range(0, Outputs.Count).Select(i => new Value(Id, i))) + ")";
        string args = string.Join(", ", Inputs.Select(v => v.ToString()));
        string attrs = Attrs.Items.Count == 0 ? string.Empty : (args.Length == 0 ? string.Empty : ", ") + Attrs;
        return $"{target} = {Op}({args}{attrs}) : {string.Join(", ", Outputs)}";
    }
}
