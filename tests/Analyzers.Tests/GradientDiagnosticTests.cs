using DeepGen.Analyzers.CodeFixes;
using Microsoft.CodeAnalysis.Testing;
using Xunit;

namespace DeepGen.Analyzers.Tests;

/// <summary>DG0008 (gradient cuts), DG0009 (parameters that never reach the output), DG0010 (sub-modules reassigned): exact spans, messages, near misses, and DG0008's code fix.</summary>
public class GradientDiagnosticTests
{
    /// <summary>DG0006 for a Forward that runs eagerly as a whole.</summary>
    private static DiagnosticResult DG0006(int markup, string model, string reason) =>
        new DiagnosticResult(Generators.Descriptors.GraphBreak).WithLocation(markup).WithArguments(model, Generators.EagerScope.WholeForward, reason);

    /// <summary>DG0006 for a statement that runs eagerly between compiled regions.</summary>
    private static DiagnosticResult DG0006Between(int markup, string model, string reason) =>
        new DiagnosticResult(Generators.Descriptors.GraphBreak).WithLocation(markup).WithArguments(model, Generators.EagerScope.BetweenRegions, reason);

    private static DiagnosticResult DG0008(int markup, string model, string cut, string reason) =>
        new DiagnosticResult(Generators.Descriptors.GradientCut).WithLocation(markup).WithArguments(model, cut, reason);

    private static DiagnosticResult DG0009(int markup, string model, string what) =>
        new DiagnosticResult(Generators.Descriptors.UnreachedParameter).WithLocation(markup).WithArguments(model, what);

    private static DiagnosticResult DG0010(int markup, string model, string member) =>
        new DiagnosticResult(Generators.Descriptors.SubModuleReassigned).WithLocation(markup).WithArguments(model, member);

    [Fact]
    public async Task An_argmax_of_a_layer_output_that_reaches_the_output_is_reported_at_the_call()
    {
        var test = Verifiers.Generator("""
            using DeepGen;

            namespace Sample;

            [Model]
            public partial class Router : Module
            {
                readonly Linear router = new(16, 8);
                readonly Embedding experts = new(8, 16);

                public Tensor Forward([Shape("B, 16")] Tensor x)
                {
                    var choice = {|#0:router.Forward(x).Argmax(-1)|};
                    return x + experts.Forward(choice);
                }
            }
            """);
        test.ExpectedDiagnostics.Add(DG0006(0, "Router", "the call to 'Tensor.Argmax' at line 13 is not an operation the compiler knows, and compiled regions cannot go around it: the shape of 'choice' after it is not known at build time"));
        test.ExpectedDiagnostics.Add(DG0008(0, "Router", "router.Forward(x).Argmax(-1)", "argmax returns indices, which have no gradient"));
        await test.RunAsync();
    }

    [Fact]
    public async Task Item_detach_and_integer_casts_are_followed_through_locals_reassignments_and_branches()
    {
        var test = Verifiers.Generator("""
            using DeepGen;

            namespace Sample;

            [Model]
            public partial class Cuts : Module
            {
                const bool Scaled = true;
                readonly Linear fc = new(16, 16);
                readonly Tensor shift = Tensor.Zeros(16);

                public Tensor Forward([Shape("B, 16")] Tensor x)
                {
                    var h = F.Relu(fc.Forward(x));
                    float scale = {|#0:h.Mean().Item<float>()|};
                    var kept = x;
                    if (Scaled)
                    {
                        kept = {|#1:(h + shift).Detach()|} * scale;
                    }

                    var bins = {|#2:h.To(DType.Int64)|};
                    return kept + bins.Float();
                }
            }
            """);
        test.ExpectedDiagnostics.Add(DG0006(0, "Cuts", "the call to 'Tensor.Item' at line 15 is not an operation the compiler knows, and compiled regions cannot go around it: it declares 'scale', which later code reads and which is not a tensor; only tensors pass between compiled and eager code"));
        test.ExpectedDiagnostics.Add(DG0008(0, "Cuts", "h.Mean().Item<float>()", "Item() turns the tensor into a plain number, which has no gradient"));
        test.ExpectedDiagnostics.Add(DG0008(1, "Cuts", "(h + shift).Detach()", "Detach() returns a tensor without a gradient"));
        test.ExpectedDiagnostics.Add(DG0008(2, "Cuts", "h.To(DType.Int64)", "a conversion to Int64 has no gradient"));
        await test.RunAsync();
    }

    [Fact]
    public async Task Cuts_of_inputs_unreturned_cuts_masks_and_cuts_under_NoGrad_are_not_reported()
    {
        var test = Verifiers.Generator("""
            using DeepGen;

            namespace Sample;

            [Model]
            public partial class Quiet : Module
            {
                readonly Linear fc = new(16, 16);
                readonly Linear teacher = new(16, 16);
                readonly Embedding table = new(16, 16);

                public Tensor Forward([Shape("B, 16")] Tensor x)
                {
                    var h = fc.Forward(x);
                    var predicted = h.Argmax(-1);
                    var fromInput = table.Forward({|#0:x.Argmax(-1)|});
                    Tensor target;
                    using (Torch.NoGrad())
                    {
                        target = teacher.Forward(x).Detach();
                    }

                    return h.MaskedFill(h.Lt(0), 0) + fromInput + target + h.To(DType.Float64).Float();
                }
            }
            """);
        // `predicted` is never read, so its statement could run eagerly between compiled regions; `fromInput`'s
        // shape is not known at build time, so the whole Forward runs eagerly, reported there
        test.ExpectedDiagnostics.Add(DG0006(0, "Quiet", "the call to 'Tensor.Argmax' at line 16 is not an operation the compiler knows, and compiled regions cannot go around it: the shape of 'fromInput' after it is not known at build time"));
        await test.RunAsync();
    }

    [Fact]
    public async Task A_layer_a_tensor_and_a_sub_model_that_never_reach_the_output_are_reported_at_their_names()
    {
        var test = Verifiers.Generator("""
            using DeepGen;

            namespace Sample;

            [Model]
            public partial class Projector : Module
            {
                readonly Linear fc = new(16, 16);

                public Tensor Forward([Shape("B, 16")] Tensor x) => fc.Forward(x);
            }

            [Model]
            public partial class Net : Module
            {
                readonly Linear main = new(16, 4);
                readonly Linear {|#0:auxiliary|} = new(16, 4);
                readonly Tensor {|#1:temperature|} = Tensor.Ones(1);
                readonly Projector {|#2:projector|} = new();
                Tensor {|#3:Scale|} { get; } = Tensor.Ones(4);

                public Tensor Forward([Shape("B, 16")] Tensor x)
                {
                    var aux = auxiliary.Forward(x);
                    return main.Forward(x);
                }
            }
            """);
        test.ExpectedDiagnostics.Add(DG0009(0, "Net", "the layer 'auxiliary' (Linear)"));
        test.ExpectedDiagnostics.Add(DG0009(1, "Net", "the parameter 'temperature'"));
        test.ExpectedDiagnostics.Add(DG0009(2, "Net", "the sub-model 'projector' (Projector)"));
        test.ExpectedDiagnostics.Add(DG0009(3, "Net", "the parameter 'Scale'"));
        await test.RunAsync();
    }

    [Fact]
    public async Task Buffers_parameterless_layers_members_used_elsewhere_and_graph_breaks_are_not_reported()
    {
        var test = Verifiers.Generator("""
            using DeepGen;

            namespace Sample;

            [Model]
            public partial class Quiet : Module
            {
                readonly Linear encoder = new(16, 4);
                readonly Linear decoder = new(4, 16);
                readonly ReLU activation = new();
                [Buffer] readonly Tensor steps = Tensor.Zeros(1);

                public Tensor Forward([Shape("B, 16")] Tensor x) => encoder.Forward(x);

                public Tensor Decode(Tensor code) => decoder.Forward(code);
            }

            [Model]
            public partial class Eager : Module
            {
                readonly Linear used = new(16, 16);
                readonly Linear unused = new(16, 16);

                public Tensor Forward({|#0:Tensor x|}) => used.Forward(x);
            }
            """);
        test.ExpectedDiagnostics.Add(DG0006(0, "Eager", "parameter 'x' at line 24 has no [Shape] annotation, so its rank is not known at build time; annotate it, e.g. [Shape(\"B, 784\")]"));
        await test.RunAsync();
    }

    [Fact]
    public async Task A_sub_module_assigned_outside_the_constructors_is_reported_at_the_assignment()
    {
        var test = Verifiers.Generator("""
            using DeepGen;

            namespace Sample;

            [Model]
            public partial class Net : Module
            {
                Linear head = new(16, 4);
                Linear? spare;

                public Net(bool wide)
                {
                    if (wide)
                    {
                        head = new Linear(16, 4, bias: false);
                    }
                }

                public Tensor Forward([Shape("B, 16")] Tensor x) => head.Forward(x);

                public void Reset()
                {
                    {|#0:head = new Linear(16, 4)|};
                    {|#1:this.spare ??= new Linear(4, 4)|};
                    Linear local = head;
                    local = new Linear(2, 2);
                }
            }
            """);
        test.ExpectedDiagnostics.Add(DG0010(0, "Net", "head"));
        test.ExpectedDiagnostics.Add(DG0010(1, "Net", "spare"));
        await test.RunAsync();
    }

    [Fact]
    public async Task The_fix_computes_a_declared_cut_inside_NoGrad()
    {
        var test = new GeneratorCodeFixTest<ComputeUnderNoGradCodeFix>("""
            using DeepGen;

            namespace Sample;

            [Model]
            public partial class Router : Module
            {
                readonly Linear router = new(16, 8);
                readonly Embedding experts = new(8, 16);

                public Tensor Forward([Shape("B, 16")] Tensor x)
                {
                    var choice = {|#0:router.Forward(x).Argmax(-1)|};
                    return x + experts.Forward(choice);
                }
            }
            """, """
            using DeepGen;

            namespace Sample;

            [Model]
            public partial class Router : Module
            {
                readonly Linear router = new(16, 8);
                readonly Embedding experts = new(8, 16);

                public Tensor Forward([Shape("B, 16")] Tensor x)
                {
                    Tensor choice;
                    using (Torch.NoGrad())
                    {
                        choice = router.Forward(x).Argmax(-1);
                    }

                    return x + experts.Forward(choice);
                }
            }
            """);
        test.TestState.ExpectedDiagnostics.Add(DG0006(0, "Router", "the call to 'Tensor.Argmax' at line 13 is not an operation the compiler knows, and compiled regions cannot go around it: the shape of 'choice' after it is not known at build time"));
        test.TestState.ExpectedDiagnostics.Add(DG0008(0, "Router", "router.Forward(x).Argmax(-1)", "argmax returns indices, which have no gradient"));
        // The no-grad block itself is compiled; what still breaks is argmax, which the compiled path has no op for.
        test.FixedState.ExpectedDiagnostics.Add(new DiagnosticResult(Generators.Descriptors.GraphBreak).WithSpan(16, 22, 16, 50).WithArguments("Router", Generators.EagerScope.WholeForward, "the call to 'Tensor.Argmax' at line 16 is not an operation the compiler knows, and compiled regions cannot go around it: it uses 'choice', which is not a tensor the code before it computes; only tensors pass between compiled and eager code"));
        await test.RunAsync();
    }

    [Fact]
    public async Task The_fix_gives_an_expression_bodied_forward_a_block_body()
    {
        var test = new GeneratorCodeFixTest<ComputeUnderNoGradCodeFix>("""
            using DeepGen;

            namespace Sample;

            [Model]
            public partial class Anchored : Module
            {
                readonly Linear fc = new(16, 16);

                [return: Shape("B, 16")]
                public Tensor Forward([Shape("B, 16")] Tensor x) => x + {|#0:fc.Forward(x).Detach()|};
            }
            """, """
            using DeepGen;

            namespace Sample;

            [Model]
            public partial class Anchored : Module
            {
                readonly Linear fc = new(16, 16);

                [return: Shape("B, 16")]
                public Tensor Forward([Shape("B, 16")] Tensor x)
                {
                    Tensor detached;
                    using (Torch.NoGrad())
                    {
                        detached = fc.Forward(x).Detach();
                    }

                    return x + detached;
                }
            }
            """);
        test.TestState.ExpectedDiagnostics.Add(DG0008(0, "Anchored", "fc.Forward(x).Detach()", "Detach() returns a tensor without a gradient"));

        // The fixed model compiles: no DG0006, and fc, used only under NoGrad, is not reported as unreached.
        await test.RunAsync();
    }

    [Fact]
    public async Task The_fix_hoists_a_nested_cut_into_a_new_local()
    {
        var test = new GeneratorCodeFixTest<ComputeUnderNoGradCodeFix>("""
            using DeepGen;

            namespace Sample;

            [Model]
            public partial class Scaled : Module
            {
                readonly Linear gate = new(16, 1);

                public Tensor Forward([Shape("B, 16")] Tensor x)
                {
                    var value = x.Mean();
                    return x * {|#0:gate.Forward(x).Mean().Item<float>()|};
                }
            }
            """, """
            using DeepGen;

            namespace Sample;

            [Model]
            public partial class Scaled : Module
            {
                readonly Linear gate = new(16, 1);

                public Tensor Forward([Shape("B, 16")] Tensor x)
                {
                    var value = x.Mean();
                    float value2;
                    using (Torch.NoGrad())
                    {
                        value2 = gate.Forward(x).Mean().Item<float>();
                    }

                    return x * value2;
                }
            }
            """);
        test.TestState.ExpectedDiagnostics.Add(DG0006(0, "Scaled", "the call to 'Tensor.Item' at line 13 is not an operation the compiler knows, and compiled regions cannot go around it: the statements before it compute only values that nothing after it reads"));
        test.TestState.ExpectedDiagnostics.Add(DG0008(0, "Scaled", "gate.Forward(x).Mean().Item<float>()", "Item() turns the tensor into a plain number, which has no gradient"));
        test.FixedState.ExpectedDiagnostics.Add(new DiagnosticResult(Generators.Descriptors.GraphBreak).WithSpan(16, 22, 16, 58).WithArguments("Scaled", Generators.EagerScope.WholeForward, "the call to 'Tensor.Item' at line 16 is not an operation the compiler knows, and compiled regions cannot go around it: it uses 'value2', which is not a tensor the code before it computes; only tensors pass between compiled and eager code"));
        await test.RunAsync();
    }

    [Fact]
    public async Task The_fix_wraps_an_assignment_of_a_cut_and_a_cut_carried_by_a_loop_is_reported()
    {
        var test = new GeneratorCodeFixTest<ComputeUnderNoGradCodeFix>("""
            using DeepGen;

            namespace Sample;

            [Model]
            public partial class Looped : Module
            {
                readonly Linear fc = new(16, 16);

                public Tensor Forward([Shape("B, 16")] Tensor x)
                {
                    var h = x;
                    for (int i = 0; i < 2; i++)
                    {
                        h = {|#0:fc.Forward(h).Detach()|};
                    }

                    return h;
                }
            }
            """, """
            using DeepGen;

            namespace Sample;

            [Model]
            public partial class Looped : Module
            {
                readonly Linear fc = new(16, 16);

                public Tensor Forward([Shape("B, 16")] Tensor x)
                {
                    var h = x;
                    for (int i = 0; i < 2; i++)
                    {
                        using (Torch.NoGrad())
                        {
                            h = fc.Forward(h).Detach();
                        }
                    }

                    return h;
                }
            }
            """);
        test.TestState.ExpectedDiagnostics.Add(DG0008(0, "Looped", "fc.Forward(h).Detach()", "Detach() returns a tensor without a gradient"));

        // Detach and the no-grad block are compiled: the fixed model has no graph break (no DG0006).
        await test.RunAsync();
    }
}
