namespace DeepGen.Fusion.Ir;

/// <summary>One output of one node: what an op consumes.</summary>
/// <param name="Node">The producing node's id (its index in <see cref="IrGraph.Nodes"/>).</param>
/// <param name="Output">Which of its outputs (0 for single-output ops).</param>
public sealed record Value(int Node, int Output = 0)
{
    /// <summary><c>%3</c>, or <c>%3.1</c> for a second output.</summary>
    public override string ToString() => Output == 0 ? $"%{Node}" : $"%{Node}.{Output}";
}
