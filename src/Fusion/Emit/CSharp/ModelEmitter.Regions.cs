using System.Globalization;
using DeepGen.Fusion.Ir;

namespace DeepGen.Fusion.Emit.CSharp;

/// <summary>
/// A Forward split at graph breaks: the dispatch runs Forward's pieces in order, the eager statements as
/// written and each compiled region through a method that runs its graph and records it on the tape as one
/// node, so eager autograd chains the regions through the eager code between them.
/// </summary>
public static partial class ModelEmitter
{
    private static string EmitSplit(CSharpModel model)
    {
        string typeName = model.ClassName;
        IrNode[] arguments = model.Forward.Arguments.ToArray();
        if (!model.ImplementsTensorModule || arguments.Length != 1)
        {
            throw new NotSupportedException($"{typeName}.Forward is split at a graph break, and only a Forward of one tensor is compiled around one");
        }

        var regions = new List<(CompiledPart Part, Mode[] Modes)>();
        foreach (CompiledPart part in model.Parts.OfType<CompiledPart>())
        {
            Mode[] modes = Modes(part.Graph, regions.Count.ToString(CultureInfo.InvariantCulture));
            if (modes[0].Graphs.UserOutputs != Math.Max(part.Outputs.Count, 1))
            {
                throw new NotSupportedException($"{part.Graph.Name} returns {modes[0].Graphs.UserOutputs} values for {part.Outputs.Count} locals");
            }

            regions.Add((part, modes));
        }

        var w = new CodeWriter();
        WriteHeader(w, model);
        w.Open("partial class " + typeName + " : ITensorModule");
        var sections = new List<Action>
        {
            () => WriteSplitDispatch(w, model, arguments[0]),
            () => WriteGuards(w, typeName, arguments[0], regions.SelectMany(r => r.Modes).SelectMany(m => m.Graphs.Forward.States)),
        };
        for (int k = 0; k < regions.Count; k++)
        {
            (CompiledPart part, Mode[] modes) = regions[k];
            int region = k;
            sections.Add(() => WriteRegion(w, typeName, region, part, modes));
            // a region of one result runs as a whole Forward does (WriteRun), with a forward for calls that record nothing
            sections.AddRange(ModeSections(w, modes, modes[0].Graphs.Forward.Arguments.ToArray(), noGrad: part.Outputs.Count <= 1));
        }

        sections.AddRange(MemberSections(w, model));
        WriteSections(w, sections);
        w.Close();
        foreach (string _ in model.ContainingTypes)
        {
            w.Close();
        }

        return w.ToString();
    }

    private static void WriteSplitDispatch(CodeWriter w, CSharpModel model, IrNode argument)
    {
        string x = Identifier(argument.Attrs.Text("name"));
        w.Line("/// <summary>");
        w.Line($"/// The compiled {model.ClassName}.Forward, split at graph breaks: Forward's statements in order, the compiled");
        w.Line("/// regions each run by a method below (recorded on the autograd tape) and the others eagerly, as written;");
        w.Line("/// the eager Forward when a guard fails.");
        w.Line("/// </summary>");
        w.Open($"Tensor ITensorModule.Forward(Tensor {x})");
        w.Open($"if (!CompiledGuardsHold({x}))");
        w.Line($"return Forward({x});");
        w.Close();
        int region = 0;
        foreach (ForwardPart part in model.Parts)
        {
            w.Line();
            switch (part)
            {
                case CompiledPart compiled:
                    string call = $"CompiledRegion{region++}({string.Join(", ", compiled.Graph.Arguments.Select(a => Identifier(a.Attrs.Text("name"))))})";
                    var targets = compiled.Outputs.Select(o => (compiled.Declares.Contains(o) ? "Tensor " : string.Empty) + Identifier(o)).ToList();
                    w.Line(targets.Count switch
                    {
                        0 => $"return {call};",
                        1 => $"{targets[0]} = {call};",
                        _ => $"({string.Join(", ", targets)}) = {call};",
                    });
                    break;

                case EagerPart eager:
                    WriteEager(w, eager);
                    break;
            }
        }

        w.Close();
    }

    /// <summary>The eager statements as written, in the nullable context they were written in.</summary>
    private static void WriteEager(CodeWriter w, EagerPart eager)
    {
        if (eager.Reason.Length > 0)
        {
            w.Line($"// Eager: {eager.Reason}.");
        }

        if (!eager.NullableEnabled)
        {
            w.Line("#nullable disable");
        }

        foreach (string line in eager.Code.Split('\n'))
        {
            w.Line(line.TrimEnd());
        }

        if (!eager.NullableEnabled)
        {
            w.Line("#nullable enable");
        }
    }

    /// <summary>The guards of every region, checked before any of Forward runs: the argument and every parameter and buffer.</summary>
    private static void WriteGuards(CodeWriter w, string typeName, IrNode argument, IEnumerable<IrNode> states)
    {
        string x = Identifier(argument.Attrs.Text("name"));
        w.Line("/// <summary>");
        w.Line($"/// The guards of {typeName}'s compiled regions, checked before Forward starts, so that a failure falls back");
        w.Line("/// to the eager Forward before anything ran (no batch norm statistics or dropout draws twice).");
        w.Line("/// </summary>");
        w.Open($"private bool CompiledGuardsHold(Tensor {x})");
        WriteGuard(w, typeName, [argument], states);
        w.Open("if (guard.Failure is { } reason)");
        w.Line("CompiledDispatch.Fallback(reason);");
        w.Line("return false;");
        w.Close();
        w.Line();
        w.Line("return true;");
        w.Close();
    }

    /// <summary>
    /// One region: after the first, its arguments come from eager code, which the build typed; a tensor of
    /// another shape there is an error, since the eager code before it has run (with its side effects).
    /// </summary>
    private static void WriteRegion(CodeWriter w, string typeName, int region, CompiledPart part, Mode[] modes)
    {
        IrNode[] arguments = part.Graph.Arguments.ToArray();
        string number = region.ToString(CultureInfo.InvariantCulture);
        w.Line("/// <summary>");
        w.Line($"/// Compiled region {number} of {typeName}.Forward: the train or eval graph below, recorded on the autograd tape");
        w.Line(part.Outputs.Count > 1
            ? "/// as one node per result, whose backward is the generated backward."
            : "/// as one node whose backward is the generated backward (its no-grad forward when nothing is recorded).");
        w.Line("/// </summary>");
        string returns = part.Outputs.Count > 1 ? $"({string.Join(", ", part.Outputs.Select(o => "Tensor " + Identifier(o)))})" : "Tensor";
        w.Open($"private {returns} CompiledRegion{number}({string.Join(", ", arguments.Select(a => "Tensor " + Identifier(a.Attrs.Text("name"))))})");
        if (region > 0 && arguments.Length > 0)
        {
            WriteGuard(w, typeName, arguments, []);
            w.Open("if (guard.Failure is { } reason)");
            w.Line($"throw new InvalidOperationException(reason + \", after the eager code before compiled region {number}, which the build typed otherwise\");");
            w.Close();
            w.Line();
        }

        if (part.Outputs.Count > 1)
        {
            WriteRunEach(w, typeName, modes);
        }
        else
        {
            WriteRun(w, typeName, modes);
        }

        w.Close();
    }

    /// <summary>As <see cref="WriteRun"/>, for a region with several results: one tape node each (<c>Tape.RecordEach</c>).</summary>
    private static void WriteRunEach(CodeWriter w, string typeName, Mode[] modes)
    {
        IrGraph forward = modes[0].Graphs.Forward;
        int count = modes[0].Graphs.UserOutputs;
        string n = count.ToString(CultureInfo.InvariantCulture);
        string arguments = string.Join(", ", forward.Arguments.Select(a => Identifier(a.Attrs.Text("name"))));
        string Record(Mode mode) =>
            $"Tape.RecordEach(\"{typeName}.{mode.BackwardMethod}\", outputs, inputs, results[{n}..], (grads, saved, needs) => {mode.BackwardMethod}(grads, saved, needs))";

        w.Line("CompiledDispatch.Compiled();");
        WriteTapeInputs(w, modes);
        WriteResults(w, modes, arguments);
        w.Line($"Tensor[] outputs = results[..{n}];");
        w.Open("if (Tape.IsRecording(inputs))");
        WriteChoice(w, "outputs = ", modes, Record);
        w.Close();
        w.Line();
        w.Line($"return ({string.Join(", ", Enumerable.Range(0, count).Select(i => $"outputs[{i.ToString(CultureInfo.InvariantCulture)}]"))});");
    }
}
