using DeepGen.Fusion.Ir;

namespace DeepGen.Fusion.Emit.CSharp;

/// <summary>What the C# emitter needs to know about a [Model] class besides its forward graph.</summary>
/// <param name="Namespace">The class's namespace, or null for the global namespace.</param>
/// <param name="ContainingTypes">Enclosing type declarations, outermost first (<c>partial class Outer</c>); empty for a top-level class.</param>
/// <param name="ClassName">The class's name as declared (with type parameters, if any).</param>
/// <param name="SourceFile">The file that declares it (for the header).</param>
/// <param name="ImplementsTensorModule">
/// True to make the class an ITensorModule whose <c>ITensorModule.Forward</c> is the compiled dispatch (its
/// own Forward stays the eager path); honoured when Forward takes one tensor and returns one.
/// </param>
/// <param name="Forward">
/// Its Forward as the front-end lowered it (not yet specialised or differentiated); when <paramref name="Parts"/>
/// is not empty, a graph of Forward's arguments only (their names and types, for the guards).
/// </param>
/// <param name="Parts">
/// Empty for a Forward compiled whole; else Forward split at graph breaks into compiled regions and eager
/// statements, in order (honoured when Forward takes one tensor and the class is an ITensorModule).
/// </param>
/// <param name="Usings">The using directives of the model's file (<c>using System.Linq;</c>), for the eager statements copied from it.</param>
public sealed record CSharpModel(
    string? Namespace,
    EquatableArray<string> ContainingTypes,
    string ClassName,
    string SourceFile,
    bool ImplementsTensorModule,
    IrGraph Forward,
    EquatableArray<ForwardPart> Parts,
    EquatableArray<string> Usings)
{
    /// <summary>Declarations written into the partial class as they are (the accessors of inlined sub-models' members).</summary>
    public EquatableArray<string> Members { get; init; } = EquatableArray<string>.Empty;

    /// <summary>A model whose Forward compiled whole, from a file with no using directives it needs.</summary>
    public CSharpModel(string? Namespace, EquatableArray<string> ContainingTypes, string ClassName, string SourceFile, bool ImplementsTensorModule, IrGraph Forward)
        : this(Namespace, ContainingTypes, ClassName, SourceFile, ImplementsTensorModule, Forward, EquatableArray<ForwardPart>.Empty, EquatableArray<string>.Empty)
    {
    }
}
