using System.Globalization;
using System.Text;
using DeepGen.Fusion.Emit.CSharp;
using DeepGen.Fusion.Ir;
using DeepGen.Generators;
using DeepGen.Testing;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace DeepGen.SnapshotTests;

/// <summary>
/// Runs the generator and renders what its front-end lowered: the diagnostics, then each model's
/// <see cref="ForwardModel"/> as the forward step holds it (the graph's text, each node followed by the
/// C# it came from, and the parameters' access expressions).
/// </summary>
internal static class ForwardOutput
{
    public static string Render(params (string Path, string Text)[] sources)
    {
        CSharpCompilation compilation = TestInputs.Compilation(sources);
        GeneratorDriver driver = CSharpGeneratorDriver.Create(
            [new ModelGenerator().AsSourceGenerator()],
            parseOptions: TestInputs.ParseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));
        GeneratorRunResult result = driver.RunGenerators(compilation).GetRunResult().Results.Single();
        if (result.Exception is not null)
        {
            throw new InvalidOperationException("The generator threw.", result.Exception);
        }

        // The samples are valid C# once the generated registration is added.
        Compilation output = compilation.AddSyntaxTrees(result.GeneratedSources.Select(s => s.SyntaxTree));
        Assert.Empty(output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));

        var text = new StringBuilder();
        List<Diagnostic> diagnostics = result.Diagnostics
            .Where(d => d.Id is "DG0006" or "DG0007")
            .OrderBy(d => d.Location.GetLineSpan().Path, StringComparer.Ordinal)
            .ThenBy(d => d.Location.SourceSpan.Start)
            .ToList();
        text.Append(CultureInfo.InvariantCulture, $"// Diagnostics: {diagnostics.Count}\n");
        foreach (Diagnostic diagnostic in diagnostics)
        {
            text.Append('\n').Append(GeneratorOutput.Describe(diagnostic, compilation));
        }

        List<ForwardModel> models = Models(result).OrderBy(m => m.HintName, StringComparer.Ordinal).ToList();
        text.Append(CultureInfo.InvariantCulture, $"\n// Compiled forwards: {models.Count}\n");
        foreach (ForwardModel model in models)
        {
            text.Append('\n').Append(Describe(model));
        }

        return text.ToString();
    }

    /// <summary>The values of the Forward step: the models the emitter would get.</summary>
    public static IEnumerable<ForwardModel> Models(GeneratorRunResult result) =>
        result.TrackedSteps[TrackingNames.Forward]
            .SelectMany(run => run.Outputs)
            .Select(output => output.Value)
            .OfType<ForwardModel>();

    private static string Describe(ForwardModel model)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"// ---- {model.HintName}: {model.Namespace}.{model.ClassName} ({model.SourceDisplayPath}), Forward({string.Join(", ", model.InputNames)}) ----\n");
        IrGraph graph = model.Graph;
        text.Append("graph ").Append(graph.Name).Append(" {\n");
        foreach (IrNode node in graph.Nodes)
        {
            string line = "  " + node;
            string source = model.NodeText[node.Id];
            text.Append(source.Length == 0 ? line : line.PadRight(72) + "  // " + source).Append('\n');
        }

        text.Append("  return ").Append(string.Join(", ", graph.Outputs)).Append("\n}\n");
        foreach (ForwardPart part in model.Parts)
        {
            text.Append(part switch
            {
                CompiledPart region => $"region {region.Graph.Name} -> {(region.Outputs.Count == 0 ? "return" : string.Join(", ", region.Outputs.Select(o => o + (region.Declares.Contains(o) ? " (declared)" : string.Empty))))} {{\n"
                    + string.Concat(region.Graph.Nodes.Select(n => $"  {n}\n")) + $"  return {string.Join(", ", region.Graph.Outputs)}\n}}\n",
                EagerPart eager => $"eager{(eager.NullableEnabled ? string.Empty : " (nullable disabled)")}: {(eager.Reason.Length > 0 ? eager.Reason : "copied, nothing to compile")}\n{eager.Code}\n",
                _ => throw new InvalidOperationException(part.ToString()),
            });
        }

        foreach (ForwardParameter parameter in model.Parameters)
        {
            string flags = (parameter.IsBuffer ? " buffer" : string.Empty) + (parameter.MayBeNull ? " may-be-null" : string.Empty) + (parameter.CrossesModel ? " crosses-model" : string.Empty);
            text.Append(CultureInfo.InvariantCulture, $"// %{parameter.Node} {parameter.StateName} <- this.{parameter.Access}{flags}\n");
        }

        return text.ToString();
    }
}
