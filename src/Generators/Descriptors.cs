using Microsoft.CodeAnalysis;

namespace DeepGen.Generators;

/// <summary>The diagnostics that the generator reports. IDs are listed in AnalyzerReleases.*.md and documented in docs/diagnostics.</summary>
public static class Descriptors
{
    private const string Category = "DeepGen";

    /// <summary>DG0002: a <c>[Shape]</c> string that does not parse.</summary>
    public static readonly DiagnosticDescriptor InvalidShapeAnnotation = new(
        id: "DG0002",
        title: "Invalid shape annotation",
        messageFormat: "Invalid shape annotation \"{0}\" on {1}: {2}",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "A [Shape] string is a comma-separated list of dimensions: names (B), whole numbers (28), a name scaled or offset by whole numbers (4*C, T+1), or '*' for any number of dimensions.",
        helpLinkUri: "docs/diagnostics/DG0002.md");

    /// <summary>DG0003: a <c>[Model]</c> class that writes <c>VisitMembers</c> itself, so the generated one is skipped.</summary>
    public static readonly DiagnosticDescriptor ModelDeclaresVisitMembers = new(
        id: "DG0003",
        title: "Model declares VisitMembers itself",
        messageFormat: "Model '{0}' declares VisitMembers itself; the generated registration was skipped",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Warning,
        isEnabledByDefault: true,
        description: "DeepGen writes VisitMembers for a [Model] class from its Tensor and Module fields. A class that writes it by hand keeps its own, and must keep it in step with its fields; remove it to let DeepGen write it.",
        helpLinkUri: "docs/diagnostics/DG0003.md");

    /// <summary>DG0004: a <c>[Model]</c> class that does not derive from <c>DeepGen.Module</c>.</summary>
    public static readonly DiagnosticDescriptor ModelMustDeriveFromModule = new(
        id: "DG0004",
        title: "[Model] class must derive from DeepGen.Module",
        messageFormat: "[Model] class '{0}' must derive from DeepGen.Module",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "A model is a module: DeepGen registers its parameters, buffers and sub-modules through Module.VisitMembers, so the class must derive from DeepGen.Module, directly or through another module class.",
        helpLinkUri: "docs/diagnostics/DG0004.md");

    /// <summary>DG0005: two members of a model registered under the same name (<c>_conv1</c> and <c>conv1</c>).</summary>
    public static readonly DiagnosticDescriptor DuplicateMemberName = new(
        id: "DG0005",
        title: "Two members of a model have the same registered name",
        messageFormat: "Model '{0}': members '{1}' and '{2}' are both registered as '{3}'; rename one of them",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "A member is registered under its name with one leading underscore removed, so that state dict keys read as PyTorch's. Two members that differ only by that underscore would share a state dict key.",
        helpLinkUri: "docs/diagnostics/DG0005.md");

    /// <summary>DG0006: a model's <c>Forward</c> that the compiler cannot lower, so it runs on the eager path (a graph break).</summary>
    public static readonly DiagnosticDescriptor GraphBreak = new(
        id: "DG0006",
        title: "Forward runs eagerly, in whole or in part (graph break)",
        messageFormat: "Forward of '{0}' runs {1}: {2}",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Info,
        isEnabledByDefault: true,
        description: "DeepGen compiles a model's Forward when it can read it at build time: tensor locals, DeepGen's ops and operators, built-in layers, other [Model] classes, loops with bounds known at build time. A top-level statement of Forward it cannot compile (a branch on a tensor's value, an unknown call, a loop with a run-time bound) runs eagerly, as written, between compiled regions of the statements before and after it; where that cannot be done, the whole Forward runs on the eager path. Either way it computes the same result.",
        helpLinkUri: "docs/diagnostics/DG0006.md");

    /// <summary>DG0007: a shape error found at build time in a model's <c>Forward</c>.</summary>
    public static readonly DiagnosticDescriptor ShapeError = new(
        id: "DG0007",
        title: "Shape error in Forward",
        messageFormat: "Forward of '{0}': {1}",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "An operation in Forward gets tensors whose shapes it cannot take (a matrix product whose inner dimensions differ, a linear layer whose in_features differ from the input's last dimension, ...). The program would throw at run time; the shapes come from the [Shape] annotations and the layers' constructor arguments.",
        helpLinkUri: "docs/diagnostics/DG0007.md");

    /// <summary>DG0008: a gradient cut (Detach, Argmax, Item, a cast to an integer or bool dtype) whose result reaches Forward's output.</summary>
    public static readonly DiagnosticDescriptor GradientCut = new(
        id: "DG0008",
        title: "Gradient cut on the way to Forward's output",
        messageFormat: "Forward of '{0}': `{1}` cuts the gradient on the way to the output: {2}; if that is intended, compute it inside using (Torch.NoGrad())",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Warning,
        isEnabledByDefault: true,
        description: "A value that depends on the model's parameters goes through an operation without a gradient (Detach, Argmax/Argmin, Item, Long, Bool, To an integer or bool dtype) and then into what Forward returns: the parameters before it get no gradient through that path. Computing it inside using (Torch.NoGrad()) says the cut is intended.",
        helpLinkUri: "docs/diagnostics/DG0008.md");

    /// <summary>DG0009: a parameter, layer or sub-model of the model that Forward's output does not depend on.</summary>
    public static readonly DiagnosticDescriptor UnreachedParameter = new(
        id: "DG0009",
        title: "Parameter never reaches Forward's output",
        messageFormat: "Model '{0}': {1} never reaches Forward's output, so its gradient is always zero",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Warning,
        isEnabledByDefault: true,
        description: "The compiled Forward's output does not depend on this member's parameters: it is not used, or only in values that are thrown away. Its gradient is always zero and an optimizer never changes it.",
        helpLinkUri: "docs/diagnostics/DG0009.md");

    /// <summary>DG0010: a sub-module field or property assigned outside the model's constructors.</summary>
    public static readonly DiagnosticDescriptor SubModuleReassigned = new(
        id: "DG0010",
        title: "Sub-module reassigned after construction",
        messageFormat: "Model '{0}': the sub-module '{1}' is assigned after construction; an optimizer created earlier keeps the old module's parameters, and Forward was checked against the module created in the constructor",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Warning,
        isEnabledByDefault: true,
        description: "A model's sub-modules are created once, in a field initializer or a constructor. Replacing one later leaves optimizers holding the old parameters, and the shapes DeepGen checked at build time are those of the module created at construction.",
        helpLinkUri: "docs/diagnostics/DG0010.md");

    /// <summary>DG0011: the inferred type of a tensor in a model's <c>Forward</c>, disabled by default (quick info for the IDE).</summary>
    public static readonly DiagnosticDescriptor InferredShape = new(
        id: "DG0011",
        title: "Inferred tensor shape",
        messageFormat: "{0} : {1}",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Info,
        isEnabledByDefault: false,
        description: "The dtype and shape DeepGen inferred at build time for a tensor that Forward names: a parameter, a local, an assignment, the returned value. Symbolic dimensions stay symbolic (B, T, 4*C). Disabled by default; enable it in .editorconfig (dotnet_diagnostic.DG0011.severity = suggestion) to see the shapes on hover in the IDE.",
        helpLinkUri: "docs/diagnostics/DG0011.md");
}
