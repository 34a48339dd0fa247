using DeepGen.Fusion;

namespace DeepGen.Generators;

/// <summary>The diagnostics of one model, computed from its <see cref="ModelSpec"/> alone.</summary>
internal static class ModelDiagnostics
{
    /// <summary>DG0004 (not a Module), DG0003 (writes VisitMembers itself), DG0005 (two members, one name) and DG0002 (bad [Shape] strings).</summary>
    public static EquatableArray<DiagnosticInfo> Of(ModelSpec model)
    {
        var found = new List<DiagnosticInfo>();
        if (!model.DerivesFromModule)
        {
            found.Add(Info(Descriptors.ModelMustDeriveFromModule, model.NameLocation, model.ClassName));
        }
        else if (model.UserVisitMembers is not null)
        {
            found.Add(Info(Descriptors.ModelDeclaresVisitMembers, model.UserVisitMembers, model.ClassName));
        }

        var registered = new Dictionary<string, FieldSpec>(StringComparer.Ordinal);
        foreach (FieldSpec field in model.Fields)
        {
            if (field.Kind == MemberKind.Other)
            {
                continue;
            }

            if (registered.TryGetValue(field.RegisteredName, out FieldSpec? first))
            {
                found.Add(Info(Descriptors.DuplicateMemberName, field.Location, model.ClassName, first.Name, field.Name, field.RegisteredName));
            }
            else
            {
                registered.Add(field.RegisteredName, field);
            }
        }

        foreach (ShapeAnnotationSpec shape in model.Shapes)
        {
            if (!ShapeSpec.TryParse(shape.Text, out _, out ShapeSpecError? error))
            {
                found.Add(Info(Descriptors.InvalidShapeAnnotation, shape.Location, shape.Text ?? "null", shape.Target, error.Message));
            }
        }

        return found.ToEquatableArray();
    }

    private static DiagnosticInfo Info(Microsoft.CodeAnalysis.DiagnosticDescriptor descriptor, LocationInfo location, params string[] arguments) =>
        new(descriptor, location, arguments.ToEquatableArray());
}
