using Microsoft.CodeAnalysis.Testing;
using Xunit;

namespace DeepGen.Analyzers.Tests;

/// <summary>DG0003 (writes VisitMembers itself), DG0004 (not a Module) and DG0005 (two members, one name).</summary>
public class RegistrationDiagnosticTests
{
    private static DiagnosticResult DG0003(int markup, string model) =>
        new DiagnosticResult(Generators.Descriptors.ModelDeclaresVisitMembers).WithLocation(markup).WithArguments(model);

    private static DiagnosticResult DG0004(int markup, string model) =>
        new DiagnosticResult(Generators.Descriptors.ModelMustDeriveFromModule).WithLocation(markup).WithArguments(model);

    private static DiagnosticResult DG0005(int markup, string model, string first, string second, string name) =>
        new DiagnosticResult(Generators.Descriptors.DuplicateMemberName).WithLocation(markup).WithArguments(model, first, second, name);

    [Fact]
    public async Task DG0003_on_a_hand_written_VisitMembers_and_nothing_is_generated()
    {
        // If the generator still emitted its override, the compiler would report a duplicate member (CS0111).
        var test = Verifiers.Generator("""
            using DeepGen;

            namespace Sample;

            [Model]
            public partial class Classifier : Module
            {
                readonly Tensor weight = Tensor.Zeros(3);

                protected override void {|#0:VisitMembers|}(IModuleVisitor visitor) => visitor.Parameter("weight", weight);
            }
            """);
        test.ExpectedDiagnostics.Add(DG0003(0, "Classifier"));

        await test.RunAsync();
    }

    [Fact]
    public async Task DG0003_also_when_VisitMembers_is_in_another_part_of_the_class()
    {
        var test = Verifiers.Generator("""
            using DeepGen;

            namespace Sample;

            [Model]
            public partial class Classifier : Module
            {
                readonly Tensor weight = Tensor.Zeros(3);
            }

            public partial class Classifier
            {
                protected override void {|#0:VisitMembers|}(DeepGen.IModuleVisitor visitor)
                {
                    visitor.Parameter("weight", weight);
                }
            }
            """);
        test.ExpectedDiagnostics.Add(DG0003(0, "Classifier"));

        await test.RunAsync();
    }

    [Fact]
    public async Task No_DG0003_for_other_VisitMembers_methods()
    {
        // Near misses: overloads with other signatures in the model, a hand-written VisitMembers in a base
        // layer (the model gets its own override, which calls it), and one in a class that is not a model.
        // The generated code must compile: its override and base call resolve.
        var test = Verifiers.Generator("""
            using DeepGen;

            namespace Sample;

            public class Layer : Module
            {
                readonly Tensor weight = Tensor.Zeros(3);

                protected override void VisitMembers(IModuleVisitor visitor) => visitor.Parameter("weight", weight);
            }

            [Model]
            public partial class Classifier : Layer
            {
                readonly Tensor bias = Tensor.Zeros(3);

                public void VisitMembers() { }

                public void VisitMembers(string prefix, IModuleVisitor visitor) { }

                public static void VisitMembers<T>(IModuleVisitor visitor) { }
            }

            public sealed class Plain : Module
            {
                protected override void VisitMembers(IModuleVisitor visitor) { }
            }
            """);

        await test.RunAsync();
    }

    [Fact]
    public async Task DG0004_on_the_name_of_a_model_that_is_not_a_Module()
    {
        var test = Verifiers.Generator("""
            using DeepGen;

            namespace Sample;

            [Model]
            public partial class {|#0:Classifier|}
            {
                readonly Tensor weight = Tensor.Zeros(3);

                public Tensor Forward(Tensor x) => x * weight;
            }

            [Model]
            public partial class {|#1:Box|}<T> : System.Collections.Generic.List<T>
            {
            }

            public static partial class Outer
            {
                [Model]
                internal partial class {|#2:Inner|} : Module.Lookalike
                {
                }
            }

            public static class Module
            {
                public class Lookalike
                {
                }
            }
            """);
        test.ExpectedDiagnostics.Add(DG0004(0, "Classifier"));
        test.ExpectedDiagnostics.Add(DG0004(1, "Box<T>"));
        test.ExpectedDiagnostics.Add(DG0004(2, "Inner"));

        await test.RunAsync();
    }

    [Fact]
    public async Task DG0004_on_the_declaration_that_carries_the_attribute()
    {
        var test = Verifiers.Generator("""
            namespace Sample;

            public partial class Classifier
            {
            }

            [DeepGen.Model]
            public partial class {|#0:Classifier|}
            {
            }
            """);
        test.ExpectedDiagnostics.Add(DG0004(0, "Classifier"));

        await test.RunAsync();
    }

    [Fact]
    public async Task No_DG0004_for_modules_through_other_classes_and_for_non_partial_classes()
    {
        // Near misses: an indirect Module (through an abstract base without VisitMembers, so no base call),
        // a base in the other part of a partial class, and a non-partial class (DG0001's job, not ours).
        var test = Verifiers.Generator("""
            using DeepGen;

            namespace Sample;

            public abstract class Backbone : Module
            {
            }

            [Model]
            public partial class Classifier : Backbone
            {
                readonly Tensor weight = Tensor.Zeros(3);
            }

            [Model]
            public partial class Split
            {
                readonly Tensor weight = Tensor.Zeros(3);
            }

            public partial class Split : Module
            {
            }

            [Model]
            public class NotPartial
            {
            }
            """);

        await test.RunAsync();
    }

    [Fact]
    public async Task DG0005_when_two_members_get_the_same_name()
    {
        var test = Verifiers.Generator("""
            using DeepGen;

            namespace Sample;

            public sealed class Layer : Module
            {
                protected override void VisitMembers(IModuleVisitor visitor) { }
            }

            [Model]
            public partial class Classifier : Module
            {
                readonly Tensor _weight = Tensor.Zeros(3);
                readonly Tensor {|#0:weight|} = Tensor.Zeros(3);
                readonly Layer _head = new();
                [Buffer] public Tensor {|#1:head|} { get; } = Tensor.Zeros(1);
            }
            """);
        test.ExpectedDiagnostics.Add(DG0005(0, "Classifier", "_weight", "weight", "weight"));
        test.ExpectedDiagnostics.Add(DG0005(1, "Classifier", "_head", "head", "head"));

        await test.RunAsync();
    }

    [Fact]
    public async Task No_DG0005_when_only_one_of_the_pair_is_registered_or_the_names_differ()
    {
        // Near misses: 'weight' is an int (not registered); '__scale' becomes '_scale', not 'scale';
        // a lone '_' keeps its name; static members are not registered.
        var test = Verifiers.Generator("""
            using DeepGen;

            namespace Sample;

            [Model]
            public partial class Classifier : Module
            {
                readonly Tensor _weight = Tensor.Zeros(3);
                readonly int weight = 3;
                readonly Tensor __scale = Tensor.Zeros(3);
                readonly Tensor scale = Tensor.Zeros(3);
                readonly Tensor _ = Tensor.Zeros(1);
                static readonly Tensor _bias = Tensor.Zeros(1);
                static readonly Tensor bias = Tensor.Zeros(1);

                public int Width => weight + _bias.Numel + bias.Numel;
            }
            """);

        await test.RunAsync();
    }
}
