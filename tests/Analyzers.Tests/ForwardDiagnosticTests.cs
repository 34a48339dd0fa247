using Microsoft.CodeAnalysis.Testing;
using Xunit;

namespace DeepGen.Analyzers.Tests;

/// <summary>DG0006 (graph breaks) and DG0007 (shape errors) at their exact spans, and near misses that compile silently.</summary>
public class ForwardDiagnosticTests
{
    /// <summary>DG0006 for a Forward that runs eagerly as a whole.</summary>
    private static DiagnosticResult DG0006(int markup, string model, string reason) =>
        new DiagnosticResult(Generators.Descriptors.GraphBreak).WithLocation(markup).WithArguments(model, Generators.EagerScope.WholeForward, reason);

    /// <summary>DG0006 for a statement that runs eagerly between compiled regions.</summary>
    private static DiagnosticResult DG0006Between(int markup, string model, string reason) =>
        new DiagnosticResult(Generators.Descriptors.GraphBreak).WithLocation(markup).WithArguments(model, Generators.EagerScope.BetweenRegions, reason);

    private static DiagnosticResult DG0007(int markup, string model, string message) =>
        new DiagnosticResult(Generators.Descriptors.ShapeError).WithLocation(markup).WithArguments(model, message);

    private static string Model(string members, string forward) => $$"""
        using System;
        using DeepGen;

        namespace Sample;

        [Model]
        public partial class Net : Module
        {
        {{members}}

        {{forward}}
        }
        """;

    // Model(...) puts the first line of `forward` on line 11.

    [Fact]
    public async Task A_branch_on_a_tensor_value_is_reported_at_the_if()
    {
        var test = Verifiers.Generator(Model(
            "    readonly Linear fc = new(16, 16);",
            """
                public Tensor Forward([Shape("B, 16")] Tensor x)
                {
                    var h = fc.Forward(x);
                    {|#0:if (h.Sum().Item<float>() > 0)|}
                    {
                        h = F.Relu(h);
                    }

                    return h;
                }
            """));
        test.ExpectedDiagnostics.Add(DG0006Between(0, "Net", "the `if` at line 14 branches on a tensor's value"));
        await test.RunAsync();
    }

    [Fact]
    public async Task An_early_return_on_a_field_before_a_graph_break_keeps_the_whole_forward_eager()
    {
        var test = Verifiers.Generator(Model(
            """
                readonly Linear fc = new(16, 16);
                readonly bool bare;

                public Net(bool bare) => this.bare = bare;
            """,
            """
                public Tensor Forward([Shape("B, 16")] Tensor x)
                {
                    var h = fc.Forward(x);
                    if (bare)
                    {
                        return h;
                    }

                    {|#0:if (h.Sum().Item<float>() > 0)|}
                    {
                        h = F.Relu(h);
                    }

                    return fc.Forward(h);
                }
            """));
        test.ExpectedDiagnostics.Add(DG0006(0, "Net", "the `if` at line 22 branches on a tensor's value, and compiled regions cannot go around it: a branch on Training or on a field returns early, and a compiled region cannot return"));
        await test.RunAsync();
    }

    [Fact]
    public async Task A_shape_error_between_the_layers_of_a_sequential_is_reported_at_its_call()
    {
        var test = Verifiers.Generator(Model(
            "    readonly Sequential body = new(new Linear(8, 16), new ReLU(), new Linear(15, 4));",
            """
                public Tensor Forward([Shape("B, 8")] Tensor x) => {|#0:body.Forward(x)|};
            """));
        test.ExpectedDiagnostics.Add(DG0007(0, "Net", "linear: input [B, 16] and weight [4, 15]: the weight's in_features 15 differ from the input's last dimension 16"));
        await test.RunAsync();
    }

    [Fact]
    public async Task Branches_on_fields_and_on_the_mode_inside_larger_conditions_are_reported()
    {
        var test = Verifiers.Generator(Model(
            """
                bool residual; // not readonly: it may change after construction

                public Net(bool residual) => this.residual = residual;
            """,
            """
                public Tensor Forward([Shape("B, 16")] Tensor x)
                {
                    {|#0:if (residual)|}
                    {
                        x = x + x;
                    }

                    return x;
                }

                [Model]
                public partial class Inner : Module
                {
                    public Tensor Forward([Shape("B, 16")] Tensor x) => Training ? F.Relu(x) : x; // compiles: one graph per mode
                }

                [Model]
                public partial class Mixed : Module
                {
                    public Tensor Forward([Shape("B, 16")] Tensor x) => {|#1:Training && x.Shape[0] > 1|} ? F.Relu(x) : x;
                }
            """));
        test.ExpectedDiagnostics.Add(DG0006(0, "Net", "the `if` at line 15 branches on the field 'residual', whose value is set at run time; a branch is resolved per instance only on a readonly bool field of the model itself, tested alone (`if (residual)`, `if (!residual)`)"));
        test.ExpectedDiagnostics.Add(DG0006(1, "Mixed", "the `?:` at line 32 branches on the train/eval mode (Training) inside a larger condition or value; only `if (Training)`, `if (!Training)` and `Training ? a : b` compile both modes"));
        await test.RunAsync();
    }

    [Fact]
    public async Task Unknown_calls_lambdas_and_run_time_loops_are_reported_where_they_are()
    {
        var test = Verifiers.Generator("""
            using System;
            using DeepGen;

            namespace Sample;

            [Model]
            public partial class Signs : Module
            {
                public Tensor Forward([Shape("B, 4")] Tensor x) => F.Relu({|#0:x.Sign()|});
            }

            [Model]
            public partial class Mapped : Module
            {
                public Tensor Forward([Shape("B, 4")] Tensor x)
                {
                    Func<Tensor, Tensor> twice = {|#1:t => t * 2|};
                    return twice(x);
                }
            }

            [Model]
            public partial class Repeated : Module
            {
                public Tensor Forward([Shape("B, 4")] Tensor x)
                {
                    {|#2:for (int i = 0; i < x.Size(0); i++)|}
                    {
                        x = x * 2;
                    }

                    return x;
                }
            }

            [Model]
            public partial class Unannotated : Module
            {
                public Tensor Forward({|#3:Tensor x|}) => x * 2;
            }

            [Model]
            public partial class Logged : Module
            {
                public Tensor Forward([Shape("B, 4")] Tensor x)
                {
                    {|#4:Console.WriteLine(x)|};
                    return x;
                }
            }
            """);
        test.ExpectedDiagnostics.Add(DG0006(0, "Signs", "the call to 'Tensor.Sign' at line 9 is not an operation the compiler knows"));
        test.ExpectedDiagnostics.Add(DG0006(1, "Mapped", "the lambda at line 17 is not compiled; the graph holds tensor operations only, and compiled regions cannot go around it: it declares 'twice', which later code reads and which is not a tensor; only tensors pass between compiled and eager code"));
        test.ExpectedDiagnostics.Add(DG0006(2, "Repeated", "the `for` at line 27 has a bound known only at run time: `i < x.Size(0)`, which depends on a size known only at run time"));
        test.ExpectedDiagnostics.Add(DG0006(3, "Unannotated", "parameter 'x' at line 39 has no [Shape] annotation, so its rank is not known at build time; annotate it, e.g. [Shape(\"B, 784\")]"));
        test.ExpectedDiagnostics.Add(DG0006(4, "Logged", "the call `Console.WriteLine(x)` at line 47 has a side effect or a discarded result the compiled graph cannot keep"));
        await test.RunAsync();
    }

    [Fact]
    public async Task Breaks_that_compiled_regions_cannot_go_around_leave_the_whole_forward_eager_and_say_why()
    {
        var test = Verifiers.Generator("""
            using DeepGen;

            namespace Sample;

            [Model]
            public partial class Reshaped : Module
            {
                readonly Linear fc = new(16, 16);

                public Tensor Forward([Shape("B, 16")] Tensor x)
                {
                    var h = fc.Forward(x);
                    {|#0:if (h.Sum().Item<float>() > 0)|}
                    {
                        h = h.View(-1, 4, 4);
                    }

                    return h * 2;
                }
            }

            [Model]
            public partial class EarlyExit : Module
            {
                readonly Linear fc = new(16, 16);

                public Tensor Forward([Shape("B, 16")] Tensor x)
                {
                    var h = fc.Forward(x);
                    {|#1:if (h.Sum().Item<float>() > 0)|}
                    {
                        return h;
                    }

                    return F.Relu(h);
                }
            }

            [Model]
            public partial class Counted : Module
            {
                readonly Linear fc = new(16, 16);

                public Tensor Forward([Shape("B, 16")] Tensor x)
                {
                    int steps = 2;
                    var h = fc.Forward(x);
                    {|#2:if (h.Sum().Item<float>() > 0)|}
                    {
                        h = h * steps;
                    }

                    return F.Relu(h);
                }
            }

            [Model]
            public partial class Aliased : Module
            {
                readonly Linear fc = new(16, 16);

                public Tensor Forward([Shape("B, 16")] Tensor x)
                {
                    var a = fc.Forward(x);
                    var b = a;
                    {|#3:if (a.Sum().Item<float>() > 0)|}
                    {
                        a = a * 2;
                    }

                    return a + b;
                }
            }
            """);
        test.ExpectedDiagnostics.Add(DG0006(0, "Reshaped", "the `if` at line 13 branches on a tensor's value, and compiled regions cannot go around it: 'h' may be f32[B, 16] or f32[B, 4, 4] after it, depending on the path taken"));
        test.ExpectedDiagnostics.Add(DG0006(1, "EarlyExit", "the `if` at line 30 branches on a tensor's value, and compiled regions cannot go around it: it returns from Forward before its last statement"));
        test.ExpectedDiagnostics.Add(DG0006(2, "Counted", "the `if` at line 48 branches on a tensor's value, and compiled regions cannot go around it: it uses 'steps', which is not a tensor the code before it computes; only tensors pass between compiled and eager code"));
        test.ExpectedDiagnostics.Add(DG0006(3, "Aliased", "the `if` at line 66 branches on a tensor's value, and compiled regions cannot go around it: 'b' is another name for 'a' there"));
        await test.RunAsync();
    }

    [Fact]
    public async Task Each_eager_statement_between_compiled_regions_is_reported()
    {
        var test = Verifiers.Generator(Model(
            "    readonly Linear fc = new(16, 16), head = new(16, 4);",
            """
                public Tensor Forward([Shape("B, 16")] Tensor x)
                {
                    var h = fc.Forward(x);
                    {|#0:if (h.Sum().Item<float>() > 0)|}
                    {
                        h = F.Relu(h);
                    }

                    h = F.Gelu(h);
                    {|#1:Console.WriteLine(h)|};
                    return head.Forward(h);
                }
            """));
        test.ExpectedDiagnostics.Add(DG0006Between(0, "Net", "the `if` at line 14 branches on a tensor's value"));
        test.ExpectedDiagnostics.Add(DG0006Between(1, "Net", "the call `Console.WriteLine(h)` at line 20 has a side effect or a discarded result the compiled graph cannot keep"));
        await test.RunAsync();
    }

    [Fact]
    public async Task The_return_annotation_is_checked_after_a_graph_break_too()
    {
        var test = Verifiers.Generator(Model(
            "    readonly Linear fc = new(16, 16), head = new(16, 4);",
            """
                [return: Shape("B, 8")]
                public Tensor Forward([Shape("B, 16")] Tensor x)
                {
                    var h = fc.Forward(x);
                    if (h.Sum().Item<float>() > 0)
                    {
                        h = F.Relu(h);
                    }

                    return {|#0:head.Forward(h)|};
                }
            """));
        test.ExpectedDiagnostics.Add(DG0007(0, "Net", "Forward returns f32[B, 4], but its [return: Shape] annotation says [B, 8]"));
        await test.RunAsync();
    }

    [Fact]
    public async Task A_shape_error_is_reported_at_the_expression_with_the_shapes()
    {
        var test = Verifiers.Generator(Model(
            """
                readonly Linear fc1 = new(28 * 28, 256);
                readonly Linear fc2 = new(128, 10);
            """,
            """
                public Tensor Forward([Shape("B, 1, 28, 28")] Tensor x)
                {
                    var h = F.Relu(fc1.Forward(x.Flatten(1)));
                    return {|#0:fc2.Forward(h)|};
                }
            """));
        test.ExpectedDiagnostics.Add(DG0007(0, "Net", "linear: input [B, 256] and weight [10, 128]: the weight's in_features 128 differ from the input's last dimension 256"));
        await test.RunAsync();
    }

    [Fact]
    public async Task Shape_errors_in_views_matmul_and_the_return_annotation()
    {
        var test = Verifiers.Generator("""
            using DeepGen;

            namespace Sample;

            [Model]
            public partial class Heads : Module
            {
                public Tensor Forward([Shape("B, T, 64")] Tensor x) => {|#0:x.View(x.Size(0), x.Size(1), 5, 12)|};
            }

            [Model]
            public partial class Scores : Module
            {
                public Tensor Forward([Shape("B, T, 64")] Tensor q, [Shape("B, 32, T")] Tensor k) => {|#1:q.MatMul(k)|};
            }

            [Model]
            public partial class Pooled : Module
            {
                [return: Shape("B, 10")]
                public Tensor Forward([Shape("B, 10, 4")] Tensor x) => {|#2:x.Mean(-1, keepdim: true)|};
            }
            """);
        test.ExpectedDiagnostics.Add(DG0007(0, "Heads", "reshape: shape [B, T, 5, 12] is invalid for input of shape f32[B, T, 64]: the sizes that differ hold 64 and 60 elements"));
        test.ExpectedDiagnostics.Add(DG0007(1, "Scores", "matmul: [B, T, 64] @ [B, 32, T]: inner dimensions 64 and 32 differ"));
        test.ExpectedDiagnostics.Add(DG0007(2, "Pooled", "Forward returns f32[B, 10, 1], but its [return: Shape] annotation says [B, 10]"));
        await test.RunAsync();
    }

    [Fact]
    public async Task Near_misses_compile_silently()
    {
        // A branch on a constant, a loop with a constant bound (and a branch on its counter), sizes read
        // from the input, a choice made with tensor ops, a helper that is never called from Forward, a
        // model without Forward, an abstract one, and a bad call outside any [Model].
        var test = Verifiers.Generator("""
            using System;
            using DeepGen;

            namespace Sample;

            [Model]
            public partial class Quiet : Module
            {
                const int Layers = 3;
                const bool Residual = true;
                readonly Linear fc = new(16, 16);

                [return: Shape("B, 4, 4")]
                public Tensor Forward([Shape("B, 16")] Tensor x)
                {
                    for (int i = 0; i < Layers; i++)
                    {
                        if (i % 2 == 0)
                        {
                            x = fc.Forward(x);
                        }
                    }

                    if (Residual)
                    {
                        x += x * 0.5;
                    }

                    Tensor positive = x.Sum().Gt(0);
                    x = Tensor.Where(positive, F.Relu(x), x);
                    return x.Reshape(x.Size(0), 4, -1);
                }

                public Tensor Unused(Tensor x) => x.Sign();
            }

            [Model]
            public partial class NoForward : Module
            {
                readonly Tensor weight = Tensor.Zeros(3);
            }

            [Model]
            public abstract partial class Base : Module
            {
                public Tensor Forward([Shape("B, 4")] Tensor x) => x.Sign();
            }

            public class NotAModel
            {
                public Tensor Forward([Shape("B, 4")] Tensor x) => x.Sign();
            }
            """);
        await test.RunAsync();
    }
}
