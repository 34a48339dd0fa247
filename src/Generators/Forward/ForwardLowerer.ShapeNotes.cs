using DeepGen.Fusion;
using Microsoft.CodeAnalysis;

namespace DeepGen.Generators;

/// <summary>
/// DG0011, the IDE's quick info for shapes: the type the lowering inferred for each tensor the model's own
/// Forward names (its parameters, locals, assignments and what it returns). The diagnostic is disabled by
/// default; enabled in .editorconfig it shows as a hint on each name, e.g. <c>h : f32[B, 256]</c>.
/// </summary>
internal sealed partial class ForwardLowerer
{
    private readonly Dictionary<SyntaxNode, ShapeNote> shapeNotes = [];
    private Frame? topFrame;

    /// <summary>Notes the type of <paramref name="value"/> at <paramref name="where"/>, when it is a tensor of the top-level Forward.</summary>
    private void NoteShape(Frame frame, SyntaxNode where, string name, Operand value)
    {
        if (!ReferenceEquals(frame, topFrame) || value is not TensorOperand tensor)
        {
            return; // inlined sub-models and helpers are noted where they are declared, as models of their own
        }

        string type = builder.TypeOf(tensor.Value).ToString();
        if (!shapeNotes.TryGetValue(where, out ShapeNote? note))
        {
            shapeNotes.Add(where, new ShapeNote(where, name, [type]));
        }
        else if (!note.Types.Contains(type))
        {
            note.Types.Add(type); // an unrolled loop's iterations may give one statement several types
        }
    }

    /// <summary>The DG0011s noted so far, in source order (also after a graph break or a shape error: what came before is still known).</summary>
    private IEnumerable<DiagnosticInfo> ShapeNoteDiagnostics() =>
        shapeNotes.Values
            .OrderBy(note => note.Where.SpanStart)
            .Select(note => new DiagnosticInfo(
                Descriptors.InferredShape,
                LocationInfo.From(NameLocation(note.Where)),
                new[] { note.Name, string.Join(" or ", note.Types) }.ToEquatableArray()));

    /// <summary>The identifier of a declarator or parameter; otherwise the node itself.</summary>
    private static Location NameLocation(SyntaxNode node) => node switch
    {
        Microsoft.CodeAnalysis.CSharp.Syntax.VariableDeclaratorSyntax declarator => declarator.Identifier.GetLocation(),
        Microsoft.CodeAnalysis.CSharp.Syntax.ParameterSyntax parameter => parameter.Identifier.GetLocation(),
        _ => node.GetLocation(),
    };

    private sealed record ShapeNote(SyntaxNode Where, string Name, List<string> Types);
}
