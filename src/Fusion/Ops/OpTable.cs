using DeepGen.Fusion.Ir;

namespace DeepGen.Fusion.Ops;

/// <summary>Every op the compiler knows, by name: the one table the front-end, autodiff, fusion and emitters read.</summary>
public static class OpTable
{
    private static readonly Dictionary<string, OpDef> Defs = Build();

    /// <summary>All op names, sorted.</summary>
    public static IEnumerable<string> Names => Defs.Keys.OrderBy(k => k, StringComparer.Ordinal);

    /// <summary>True when the op exists.</summary>
    public static bool Contains(string op) => Defs.ContainsKey(op);

    /// <summary>The op's definition.</summary>
    /// <exception cref="KeyNotFoundException">No such op.</exception>
    public static OpDef Get(string op) =>
        Defs.TryGetValue(op, out OpDef? def) ? def : throw new KeyNotFoundException($"The compiler has no op named '{op}'.");

    private static Dictionary<string, OpDef> Build()
    {
        var defs = new Dictionary<string, OpDef>(StringComparer.Ordinal);
        foreach (OpDef def in SourceOpDefs().Concat(ElementOps.All()).Concat(ShapeOps.All()).Concat(JoinOps.All()).Concat(ReductionOps.All())
                     .Concat(LinearAlgebraOps.All()).Concat(NeuralOps.All()).Concat(ModeOps.All()))
        {
            defs.Add(def.Name, def);
        }

        return defs;
    }

    private static IEnumerable<OpDef> SourceOpDefs()
    {
        // Source nodes are created by GraphBuilder with their type; these entries only name them.
        foreach (string op in new[] { SourceOps.Input, SourceOps.Parameter, SourceOps.Buffer, SourceOps.Constant })
        {
            yield return new RuleOp(op, OpKind.Source, 0, 0, c => throw c.Fail("source nodes are made by GraphBuilder"), null);
        }
    }
}
