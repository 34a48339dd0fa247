using Microsoft.CodeAnalysis.Testing;
using Xunit;

namespace DeepGen.Analyzers.Tests;

public class ModelMustBePartialTests
{
    private static DiagnosticResult DG0001(int markup, string className) =>
        new DiagnosticResult(Descriptors.ModelMustBePartial).WithLocation(markup).WithArguments(className);

    [Fact]
    public async Task Reports_a_non_partial_model_on_its_name()
    {
        var test = Verifiers.Analyzer("""
            using DeepGen;

            namespace Sample;

            [Model]
            public sealed class {|#0:Classifier|}
            {
            }
            """);
        test.ExpectedDiagnostics.Add(DG0001(0, "Classifier"));

        await test.RunAsync();
    }

    [Fact]
    public async Task Reports_with_the_fully_qualified_attribute_and_on_nested_classes()
    {
        var test = Verifiers.Analyzer("""
            namespace Sample;

            public static partial class Outer
            {
                [DeepGen.ModelAttribute]
                internal class {|#0:Inner|}
                {
                }
            }
            """);
        test.ExpectedDiagnostics.Add(DG0001(0, "Inner"));

        await test.RunAsync();
    }

    [Fact]
    public async Task Stays_silent_for_partial_models_and_other_attributes_named_Model()
    {
        // Near misses: the model is partial; the other class carries an attribute that is also
        // called Model, but is not DeepGen's.
        var test = Verifiers.Analyzer("""
            using DeepGen;

            namespace Sample
            {
                [Model]
                public partial class Classifier
                {
                }

                [Other.Model]
                public class NotAModel
                {
                }

                public class Plain
                {
                }
            }

            namespace Other
            {
                [System.AttributeUsage(System.AttributeTargets.Class)]
                public sealed class ModelAttribute : System.Attribute
                {
                }
            }
            """);

        await test.RunAsync();
    }

    [Fact]
    public async Task Fix_adds_partial_after_the_other_modifiers()
    {
        var test = Verifiers.CodeFix(
            """
            using DeepGen;

            namespace Sample;

            [Model]
            public sealed class {|#0:Classifier|} // trailing comment
            {
            }
            """,
            """
            using DeepGen;

            namespace Sample;

            [Model]
            public sealed partial class Classifier // trailing comment
            {
            }
            """);
        test.ExpectedDiagnostics.Add(DG0001(0, "Classifier"));

        await test.RunAsync();
    }

    [Fact]
    public async Task Fix_keeps_the_trivia_of_a_class_without_modifiers()
    {
        var test = Verifiers.CodeFix(
            """
            namespace Sample;

            [DeepGen.Model]
            /* a model */ class {|#0:Classifier|}
            {
            }
            """,
            """
            namespace Sample;

            [DeepGen.Model]
            /* a model */ partial class Classifier
            {
            }
            """);
        test.ExpectedDiagnostics.Add(DG0001(0, "Classifier"));

        await test.RunAsync();
    }
}
