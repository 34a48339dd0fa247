using DeepGen.Generators;
using DeepGen.Testing;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace DeepGen.Analyzers.Tests;

/// <summary>
/// The generated VisitMembers compiled with the models against the real DeepGen.Runtime.dll: no
/// diagnostic at all (errors or warnings), and the parts of the output that the models call for.
/// The full text is checked by the snapshot tests.
/// </summary>
public class GeneratedRegistrationTests
{
    private const string Layers = """
        using DeepGen;

        namespace Sample;

        /// <summary>A hand-written layer, as the built-in ones are.</summary>
        public sealed class Linear(int inputs, int outputs) : Module
        {
            readonly Tensor weight = Tensor.Zeros(outputs, inputs);

            public Tensor Forward(Tensor x) => x;

            protected override void VisitMembers(IModuleVisitor visitor) => visitor.Parameter("weight", weight);
        }
        """;

    private static GeneratorRunResult Generate(string assemblyName, params (string Path, string Text)[] sources)
    {
        CSharpCompilation input = TestInputs.Compilation(assemblyName, sources);
        GeneratorDriver driver = CSharpGeneratorDriver.Create([new ModelGenerator().AsSourceGenerator()], parseOptions: TestInputs.ParseOptions)
            .RunGeneratorsAndUpdateCompilation(input, out Compilation output, out _);
        GeneratorRunResult result = driver.GetRunResult().Results.Single();
        Assert.Null(result.Exception);
        Assert.Empty(result.Diagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning)); // DG0006 infos say which Forwards run eagerly
        Assert.Empty(output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning));
        return result;
    }

    private static string Source(GeneratorRunResult result, string hintName) =>
        result.GeneratedSources.Single(s => s.HintName == hintName).SourceText.ToString();

    [Fact]
    public void A_model_in_a_user_assembly_overrides_with_protected()
    {
        // Module.VisitMembers is 'protected internal' in DeepGen.Runtime; C# only lets another
        // assembly override it as 'protected'.
        GeneratorRunResult result = Generate(TestInputs.AssemblyName, ("Layers.cs", Layers), ("Classifier.cs", """
            using DeepGen;

            namespace Sample;

            [Model]
            public partial class Classifier : Module
            {
                readonly Linear _hidden = new(4, 8);
                readonly Linear head = new(8, 2);
                readonly Tensor scale = Tensor.Ones(2);
                [Buffer] readonly Tensor steps = Tensor.Zeros(1);
                [Buffer(Persistent = false)] readonly Tensor mask = Tensor.Ones(2);
                readonly int classes = 2;

                public Tensor Forward(Tensor x) => head.Forward(_hidden.Forward(x)) * scale * mask * classes;
            }
            """));

        string source = Source(result, "Sample.Classifier.g.cs");
        Assert.Contains("        protected override void VisitMembers(global::DeepGen.IModuleVisitor visitor)\n", source, StringComparison.Ordinal);
        Assert.DoesNotContain("base.VisitMembers", source, StringComparison.Ordinal);
        Assert.Contains(
            """
                        visitor.Module("hidden", this._hidden);
                        visitor.Module("head", this.head);
                        visitor.Parameter("scale", this.scale);
                        visitor.Buffer("steps", this.steps);
                        visitor.Buffer("mask", this.mask, persistent: false);
                    }
            """.Replace("\r\n", "\n", StringComparison.Ordinal),
            source,
            StringComparison.Ordinal);
    }

    [Fact]
    public void A_model_in_an_assembly_that_sees_the_runtime_internals_overrides_with_protected_internal()
    {
        // DeepGen.Runtime grants InternalsVisibleTo to DeepGen.Runtime.Tests: there the override must keep 'internal'.
        GeneratorRunResult result = Generate("DeepGen.Runtime.Tests", ("Classifier.cs", """
            using DeepGen;

            namespace Sample;

            public sealed class Layer : Module
            {
                protected internal override void VisitMembers(IModuleVisitor visitor) { }
            }

            [Model]
            public partial class Classifier : Module
            {
                readonly Layer head = new();
            }
            """));

        Assert.Contains("protected internal override void VisitMembers(", Source(result, "Sample.Classifier.g.cs"), StringComparison.Ordinal);
    }

    [Fact]
    public void Base_calls_follow_the_nearest_VisitMembers_up_the_chain()
    {
        GeneratorRunResult result = Generate(TestInputs.AssemblyName, ("Layers.cs", Layers), ("Models.cs", """
            using DeepGen;

            namespace Sample;

            // Abstract, no VisitMembers of its own: the nearest one is Module's abstract one, so no base call.
            public abstract class Backbone : Module
            {
            }

            [Model]
            public partial class Small : Backbone
            {
                readonly Tensor weight = Tensor.Ones(2);
            }

            // A [Model] base whose override this same run generates: called.
            [Model]
            public partial class Larger : Small
            {
                readonly Tensor extra = Tensor.Ones(2);
            }

            // An abstract model: it gets an override too, so its subclasses call it.
            [Model]
            public abstract partial class Encoder : Module
            {
                readonly Linear embed = new(2, 2);
            }

            [Model]
            public partial class TextEncoder : Encoder
            {
                readonly Linear project = new(2, 2);
            }

            // A hand-written layer's override: called.
            [Model]
            public partial class Adapted : Linear2
            {
                readonly Tensor gate = Tensor.Ones(2);
            }

            public class Linear2 : Module
            {
                readonly Tensor weight = Tensor.Ones(2);

                protected override void VisitMembers(IModuleVisitor visitor) => visitor.Parameter("weight", weight);
            }

            // A base that re-abstracts VisitMembers: nothing to call.
            public abstract class Reset : Linear2
            {
                protected abstract override void VisitMembers(IModuleVisitor visitor);
            }

            [Model]
            public partial class AfterReset : Reset
            {
                readonly Tensor gate = Tensor.Ones(2);
            }
            """));

        Assert.DoesNotContain("base.VisitMembers", Source(result, "Sample.Small.g.cs"), StringComparison.Ordinal);
        Assert.Contains("base.VisitMembers(visitor);\n            visitor.Parameter(\"extra\", this.extra);", Source(result, "Sample.Larger.g.cs"), StringComparison.Ordinal);
        Assert.DoesNotContain("base.VisitMembers", Source(result, "Sample.Encoder.g.cs"), StringComparison.Ordinal);
        Assert.Contains("base.VisitMembers(visitor);", Source(result, "Sample.TextEncoder.g.cs"), StringComparison.Ordinal);
        Assert.Contains("base.VisitMembers(visitor);", Source(result, "Sample.Adapted.g.cs"), StringComparison.Ordinal);
        Assert.DoesNotContain("base.VisitMembers", Source(result, "Sample.AfterReset.g.cs"), StringComparison.Ordinal);
    }

    [Fact]
    public void Nested_generic_and_global_models_with_awkward_member_names_compile()
    {
        GeneratorRunResult result = Generate(TestInputs.AssemblyName, ("Models.cs", """
            using DeepGen;

            [Model]
            public partial class GlobalModel : Module
            {
                readonly Tensor @event = Tensor.Ones(1);       // a keyword
                readonly Tensor visitor = Tensor.Ones(1);      // the generated method's parameter name
                readonly Tensor _ = Tensor.Ones(1);            // a lone underscore keeps its name
                readonly Tensor __double = Tensor.Ones(1);     // one underscore is removed, not two
            }

            namespace Sample.Deep
            {
                public partial record Outer<TOuter>
                {
                    public partial struct Middle
                    {
                        [Model]
                        internal sealed partial class Inner<TBlock> : Module where TBlock : Module
                        {
                            readonly TBlock block;
                            readonly TOuter? tag = default;

                            public Inner(TBlock block) => this.block = block;

                            public TOuter? Tag => tag;
                        }
                    }
                }
            }
            """));

        Assert.Equal(
            ["GlobalModel.g.cs", "Sample.Deep.Outer`1.Middle.Inner`1.g.cs"],
            result.GeneratedSources.Select(s => s.HintName).Order(StringComparer.Ordinal));
        string global = Source(result, "GlobalModel.g.cs");
        Assert.Contains("visitor.Parameter(\"event\", this.@event);", global, StringComparison.Ordinal);
        Assert.Contains("visitor.Parameter(\"visitor\", this.visitor);", global, StringComparison.Ordinal);
        Assert.Contains("visitor.Parameter(\"_\", this._);", global, StringComparison.Ordinal);
        Assert.Contains("visitor.Parameter(\"_double\", this.__double);", global, StringComparison.Ordinal);
        Assert.DoesNotContain("namespace", global, StringComparison.Ordinal);

        string nested = Source(result, "Sample.Deep.Outer`1.Middle.Inner`1.g.cs");
        Assert.Contains("// Generated by DeepGen from Outer<TOuter>.Middle.Inner<TBlock> (Models.cs). Do not edit.", nested, StringComparison.Ordinal);
        Assert.Contains("partial record Outer<TOuter>\n    {\n        partial struct Middle\n        {\n            partial class Inner<TBlock>\n", nested, StringComparison.Ordinal);
        Assert.Contains("visitor.Module(\"block\", this.block);", nested, StringComparison.Ordinal);
        Assert.DoesNotContain("tag", nested, StringComparison.Ordinal);
    }

    [Fact]
    public void Auto_properties_are_registered_in_place_and_computed_ones_are_not()
    {
        GeneratorRunResult result = Generate(TestInputs.AssemblyName, ("Model.cs", """
            using DeepGen;

            namespace Sample;

            [Model]
            public partial class Net : Module
            {
                readonly Tensor first = Tensor.Ones(1);

                public Tensor Weight { get; } = Tensor.Ones(2);
                public Tensor? Bias { get; set; }
                public Tensor Init { get; init; } = Tensor.Ones(2);
                [Buffer] public Tensor Running { get; } = Tensor.Zeros(2);
                [field: Buffer(Persistent = false)] public Tensor Mask { get; } = Tensor.Ones(2);
                public Tensor Doubled => Weight * 2;                    // computed: no storage
                public Tensor this[int i] => Weight;                    // an indexer
                public static Tensor Shared { get; } = Tensor.Ones(1);  // static

                readonly Tensor last = Tensor.Ones(1);
            }
            """));

        Assert.Contains(
            """
                        visitor.Parameter("first", this.first);
                        visitor.Parameter("Weight", this.Weight);
                        visitor.Parameter("Bias", this.Bias);
                        visitor.Parameter("Init", this.Init);
                        visitor.Buffer("Running", this.Running);
                        visitor.Buffer("Mask", this.Mask, persistent: false);
                        visitor.Parameter("last", this.last);
                    }
            """.Replace("\r\n", "\n", StringComparison.Ordinal),
            Source(result, "Sample.Net.g.cs"),
            StringComparison.Ordinal);
    }

    [Fact]
    public void Models_in_two_namespaces_with_one_name_get_two_files()
    {
        GeneratorRunResult result = Generate(
            TestInputs.AssemblyName,
            ("A.cs", "namespace A { [DeepGen.Model] public partial class Net : DeepGen.Module { } }"),
            ("B.cs", "namespace B { [DeepGen.Model] public partial class Net : DeepGen.Module { } }"),
            ("C.cs", "namespace B { [DeepGen.Model] public partial class Net<T> : DeepGen.Module { } }"));

        Assert.Equal(["A.Net.g.cs", "B.Net.g.cs", "B.Net`1.g.cs"], result.GeneratedSources.Select(s => s.HintName).Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("Models/Classifier.cs", "/repo/app/", "Models/Classifier.cs")]
    [InlineData("/repo/app/Models/Classifier.cs", "/repo/app/", "Models/Classifier.cs")]
    [InlineData("/repo/app/Models/Classifier.cs", "/repo/app", "Models/Classifier.cs")]
    [InlineData(@"C:\repo\app\Models\Classifier.cs", @"C:\repo\app\", "Models/Classifier.cs")]
    [InlineData("/elsewhere/Shared/Classifier.cs", "/repo/app/", "Classifier.cs")]
    [InlineData(@"D:\elsewhere\Classifier.cs", "", "Classifier.cs")]
    [InlineData("Classifier.cs", "", "Classifier.cs")]
    public void The_header_names_the_file_relative_to_the_project(string path, string projectDirectory, string expected)
    {
        Assert.Equal(expected, RegistrationEmitter.DisplayPath(path, projectDirectory));
    }
}
