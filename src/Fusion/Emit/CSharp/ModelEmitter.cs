using System.Globalization;
using DeepGen.Fusion.Autodiff;
using DeepGen.Fusion.Ir;
using DeepGen.Fusion.Ops;
using DeepGen.Fusion.Schedule;

namespace DeepGen.Fusion.Emit.CSharp;

/// <summary>
/// Writes the compiled half of a [Model] partial class: for train and eval mode, a forward (which also
/// returns what the backward reads) and a backward, each a sequence of runtime calls and fused kernels;
/// one struct per fused kernel; and, for an ITensorModule, the dispatch that checks the guards and runs the
/// compiled path, recording one autograd node, or else the user's own (eager) Forward. Deterministic:
/// the same graph gives the same text.
/// </summary>
public static partial class ModelEmitter
{
    /// <summary>The generated source for <paramref name="model"/>.</summary>
    /// <exception cref="NotSupportedException">Some op of the graph has no derivative or runtime kernel yet (the model then stays eager).</exception>
    public static string Emit(CSharpModel model)
    {
        if (model.Parts.Count > 0)
        {
            return EmitSplit(model);
        }

        Mode[] modes = Modes(model.Forward, string.Empty);
        var w = new CodeWriter();
        string typeName = model.ClassName;
        WriteHeader(w, model);
        IrNode[] arguments = modes[0].Graphs.Forward.Arguments.ToArray();
        bool dispatch = model.ImplementsTensorModule && arguments.Length == 1 && modes[0].Graphs.UserOutputs == 1;

        // Naming the interface again on this part is allowed, and makes the dispatch below its implementation.
        w.Open("partial class " + typeName + (dispatch ? " : ITensorModule" : string.Empty));
        if (dispatch)
        {
            WriteDispatch(w, typeName, modes, arguments[0]);
            w.Line();
        }

        List<Action> sections = ModeSections(w, modes, arguments, noGrad: dispatch);
        sections.AddRange(MemberSections(w, model));
        WriteSections(w, sections);
        w.Close();
        foreach (string _ in model.ContainingTypes)
        {
            w.Close();
        }

        return w.ToString();
    }

    /// <summary>
    /// The train and eval modes of <paramref name="forward"/> (one when eval mode changes nothing: no dropout, no
    /// batch norm, no branch on Training), for each combination of the readonly bool fields it branches on
    /// (<c>flag_select</c>), each with the condition that picks it; the last one's is null (otherwise).
    /// </summary>
    private static Mode[] Modes(IrGraph forward, string suffix)
    {
        List<string> flags = forward.Nodes.Where(n => n.Op == ModeOps.FlagSelect).Select(n => n.Attrs.Text("flag")).Distinct(StringComparer.Ordinal).ToList();
        var modes = new List<Mode>();
        for (int combination = 0; combination < 1 << flags.Count; combination++)
        {
            // true before false, so a model with one flag lists its "on" methods first
            var values = flags.Select((flag, i) => (Flag: flag, Value: (combination >> i & 1) == 0)).ToList();
            var byName = values.ToDictionary(v => v.Flag, v => v.Value, StringComparer.Ordinal);
            string name = string.Concat(values.Select(v => (v.Value ? string.Empty : "No") + char.ToUpperInvariant(v.Flag[0]) + v.Flag.Substring(1)));
            // this.field: a Forward argument of the same name would hide the field in the dispatch
            string? condition = values.Count == 0 ? null : string.Join(" && ", values.Select(v => (v.Value ? "this." : "!this.") + v.Flag));
            IrGraph trainGraph = Specialize.ForVariant(forward, training: true, byName);
            IrGraph evalGraph = Specialize.ForVariant(forward, training: false, byName);
            if (trainGraph.Equals(evalGraph))
            {
                modes.Add(Mode.Of(name, suffix, trainGraph, condition));
                continue;
            }

            modes.Add(Mode.Of("Train" + name, suffix, trainGraph, condition is null ? "Training" : "Training && " + condition));
            modes.Add(Mode.Of("Eval" + name, suffix, evalGraph, condition is null ? "!Training" : "!Training && " + condition));
        }

        modes[modes.Count - 1] = modes[modes.Count - 1] with { Condition = null };
        return [.. modes];
    }

    /// <summary>
    /// <c>c0 ? e0 : c1 ? e1 : ... : eN</c> over <paramref name="modes"/> (each mode's condition, the last one's
    /// expression unconditional); just <c>e0</c> for one mode.
    /// </summary>
    private static string Choose(Mode[] modes, Func<Mode, string> expression) =>
        string.Concat(modes.Take(modes.Length - 1).Select(m => $"{m.Condition} ? {expression(m)} : ")) + expression(modes[modes.Length - 1]);

    /// <summary>
    /// <see cref="Choose"/> after <paramref name="start"/> (<c>return </c>, <c>outputs = </c>): on one line when
    /// <paramref name="inline"/> holds and there are at most two modes, else one line per mode.
    /// </summary>
    private static void WriteChoice(CodeWriter w, string start, Mode[] modes, Func<Mode, string> expression, bool inline = false)
    {
        if (modes.Length == 1 || (inline && modes.Length == 2))
        {
            w.Line(start + Choose(modes, expression) + ";");
            return;
        }

        w.Line(start + modes[0].Condition);
        w.Line($"    ? {expression(modes[0])}");
        for (int i = 1; i < modes.Length - 1; i++)
        {
            w.Line($"    : {modes[i].Condition} ? {expression(modes[i])}");
        }

        w.Line($"    : {expression(modes[modes.Length - 1])};");
    }

    private static void WriteHeader(CodeWriter w, CSharpModel model)
    {
        w.Line("// <auto-generated/>");
        w.Line($"// Compiled by DeepGen from {model.ClassName} ({model.SourceFile}): Forward as a graph, specialised to train");
        w.Line("// and eval mode, differentiated at build time, and cut into fused kernels and runtime calls.");
        w.Line("// Edit the model, not this file. Buffers: a fused kernel writes into an input that dies at it (same shape");
        w.Line("// and dtype) instead of a new tensor; every other step allocates its outputs.");
        w.Line("#nullable enable");
        w.Line("using System;");
        w.Line("using System.Runtime.Intrinsics;");
        w.Line("using DeepGen;");
        w.Line("using DeepGen.Compiled;");
        foreach (string directive in model.Usings.Where(u => u is not ("using System;" or "using System.Runtime.Intrinsics;" or "using DeepGen;" or "using DeepGen.Compiled;")))
        {
            w.Line(directive);
        }

        w.Line();
        if (model.Namespace is { Length: > 0 } ns)
        {
            w.Line("namespace " + ns + ";");
            w.Line();
        }

        foreach (string outer in model.ContainingTypes)
        {
            w.Open(outer);
        }
    }

    /// <summary>
    /// The forward and backward methods of each mode (and, with <paramref name="noGrad"/>, its forward for
    /// calls that record nothing), then their kernel classes.
    /// </summary>
    private static List<Action> ModeSections(CodeWriter w, Mode[] modes, IrNode[] arguments, bool noGrad)
    {
        var sections = new List<Action>();
        List<string> targets = TapeTargets(modes).ConvertAll(t => t.Name);
        foreach (Mode mode in modes)
        {
            if (noGrad)
            {
                sections.Add(() => WriteNoGradForward(w, mode, arguments));
            }

            sections.Add(() => WriteForward(w, mode, arguments));
            sections.Add(() => WriteBackward(w, mode, targets));
        }

        foreach (Mode mode in modes)
        {
            var plans = new List<(string Kind, FusionPlan Plan)>();
            if (noGrad)
            {
                plans.Add(("ForwardNoGrad", mode.NoGradPlan));
            }

            plans.Add(("Forward", mode.ForwardPlan));
            plans.Add(("Backward", mode.BackwardPlan));
            foreach ((string kind, FusionPlan plan) in plans)
            {
                if (plan.Steps.Any(s => s.Kind == StepKind.Fused))
                {
                    sections.Add(() => WriteKernels(w, mode.KernelClass(kind), plan));
                }
            }
        }

        return sections;
    }

    /// <summary>The model's extra declarations (accessors of inlined sub-models' members), as one section.</summary>
    private static IEnumerable<Action> MemberSections(CodeWriter w, CSharpModel model)
    {
        if (model.Members.Count == 0)
        {
            yield break;
        }

        yield return () =>
        {
            w.Line("// Members of inlined sub-models, reached without reflection (they may be private to their class).");
            foreach (string member in model.Members)
            {
                w.Line(member);
            }
        };
    }

    /// <summary>Runs the sections with a blank line between two.</summary>
    private static void WriteSections(CodeWriter w, List<Action> sections)
    {
        for (int i = 0; i < sections.Count; i++)
        {
            if (i > 0)
            {
                w.Line();
            }

            sections[i]();
        }
    }

    /// <param name="Name">"Train", "Eval", or "" when one set of methods serves both modes.</param>
    /// <param name="Suffix">"" for a Forward compiled whole, the region's number for a region of a split one.</param>
    /// <param name="NoGradPlan">The forward alone, for calls that record nothing: no saved values to write or keep.</param>
    private sealed record Mode(string Name, string Suffix, TrainingGraphs Graphs, FusionPlan ForwardPlan, FusionPlan BackwardPlan, FusionPlan NoGradPlan, string? Condition)
    {
        public static Mode Of(string name, string suffix, IrGraph specialised, string? condition)
        {
            TrainingGraphs graphs = Differentiator.Derive(specialised);
            return new Mode(name, suffix, graphs, FusionPlanner.Plan(graphs.Forward), FusionPlanner.Plan(graphs.Backward), FusionPlanner.Plan(specialised), condition);
        }

        public string ForwardMethod => "Compiled" + Name + "Forward" + Suffix;

        public string NoGradMethod => ForwardMethod + "NoGrad";

        public string BackwardMethod => "Compiled" + Name + "Backward" + Suffix;

        public string KernelClass(string kind) => Name + kind + "Kernels" + Suffix;
    }

    private static void WriteDispatch(CodeWriter w, string typeName, Mode[] modes, IrNode argument)
    {
        string x = Identifier(argument.Attrs.Text("name"));
        w.Line("/// <summary>");
        w.Line($"/// The compiled {typeName}.Forward: when the guards hold, the train or eval graph below, recorded on the");
        w.Line("/// autograd tape as one node whose backward is the generated backward (its no-grad forward when nothing");
        w.Line("/// is recorded); else the eager Forward.");
        w.Line("/// </summary>");
        w.Open($"Tensor ITensorModule.Forward(Tensor {x})");
        WriteGuard(w, typeName, [argument], modes.SelectMany(m => m.Graphs.Forward.States));
        w.Open("if (guard.Failure is { } reason)");
        w.Line("CompiledDispatch.Fallback(reason);");
        w.Line($"return Forward({x});");
        w.Close();
        w.Line();
        WriteRun(w, typeName, modes);
        w.Close();
    }

    /// <summary><c>var guard = new Guard(...)</c> over <paramref name="arguments"/> and <paramref name="states"/> (each state once).</summary>
    private static void WriteGuard(CodeWriter w, string typeName, IEnumerable<IrNode> arguments, IEnumerable<IrNode> states)
    {
        var lines = new List<string> { $"var guard = new Guard(\"{typeName}\")" };
        foreach (IrNode argument in arguments)
        {
            string name = argument.Attrs.Text("name");
            lines.Add($"    .Input({Identifier(name)}, \"{name}\", DType.{GraphEmitter.DTypeName(argument.Type.DType)}, {string.Join(", ", argument.Type.Shape.Select(GuardDim))})");
        }

        foreach (IrNode s in states.GroupBy(n => n.Attrs.Text("name")).Select(g => g.First()))
        {
            lines.Add($"    .State({s.Attrs.Text("access")}, \"{s.Attrs.Text("name")}\", DType.{GraphEmitter.DTypeName(s.Type.DType)})");
        }

        for (int i = 0; i < lines.Count; i++)
        {
            w.Line(lines[i] + (i == lines.Count - 1 ? ";" : string.Empty));
        }
    }

    /// <summary>Runs the train or eval forward on the graph's arguments and records it on the tape as one node.</summary>
    private static void WriteRun(CodeWriter w, string typeName, Mode[] modes)
    {
        IrGraph forward = modes[0].Graphs.Forward;
        string arguments = string.Join(", ", forward.Arguments.Select(a => Identifier(a.Attrs.Text("name"))));
        w.Line("CompiledDispatch.Compiled();");
        WriteTapeInputs(w, modes);
        w.Open("if (!Tape.IsRecording(inputs))");
        WriteChoice(w, "return ", modes, m => $"{m.NoGradMethod}({arguments})", inline: true);
        w.Close();
        w.Line();
        WriteResults(w, modes, arguments);
        WriteChoice(w, "return ", modes, m =>
            $"Tape.Record(\"{typeName}.{m.BackwardMethod}\", results[0], inputs, results[1..], (grad, saved, needs) => {m.BackwardMethod}([grad], saved, needs){Recyclable(m)})");
    }

    /// <summary><c>Tensor[] results = </c> the forward of the mode that applies.</summary>
    private static void WriteResults(CodeWriter w, Mode[] modes, string arguments)
    {
        if (modes.Length == 1)
        {
            w.Line($"Tensor[] results = {modes[0].ForwardMethod}({arguments}); // train and eval mode compute the same");
            return;
        }

        WriteChoice(w, "Tensor[] results = ", modes, m => $"{m.ForwardMethod}({arguments})", inline: true);
    }

    /// <summary>
    /// <c>, recyclable: [...]</c>: the saved values the forward made as buffers of its own (no view, not an
    /// output), whose buffers the runtime may recycle once the backward has run; empty when there are none.
    /// </summary>
    private static string Recyclable(Mode mode)
    {
        TrainingGraphs g = mode.Graphs;
        var own = new HashSet<Value>(BufferReuse.OwnBuffers(mode.ForwardPlan));
        var outputs = new HashSet<Value>(g.Forward.Outputs.Take(g.UserOutputs));
        var indices = Enumerable.Range(0, g.Saved.Count)
            .Where(j => !g.Saved[j].ShapeOnly && own.Contains(g.Forward.Outputs[g.UserOutputs + j]) && !outputs.Contains(g.Forward.Outputs[g.UserOutputs + j]))
            .ToList();
        // the other saved values the forward computed (views sharing a buffer, shape stand-ins): disposed after
        // the backward, so a buffer only they still held goes back too; sources (inputs, parameters, buffers) never
        var computed = Enumerable.Range(0, g.Saved.Count)
            .Where(j => !indices.Contains(j) && !SourceOps.IsSource(g.Forward.Nodes[g.Forward.Outputs[g.UserOutputs + j].Node].Op)
                && !outputs.Contains(g.Forward.Outputs[g.UserOutputs + j]))
            .ToList();
        return (indices.Count == 0 ? string.Empty : $", recyclable: [{string.Join(", ", indices)}]")
            + (computed.Count == 0 ? string.Empty : $", disposable: [{string.Join(", ", computed)}]");
    }

    /// <summary>
    /// <c>Library.Release([...], kept, [sources])</c>: disposes every tensor the method made and does not hand
    /// out, views included, so a buffer that only views of it still reach (the saved, transposed q, k and v of
    /// attention) goes back to the pool once those are disposed too (after the backward, by the tape).
    /// </summary>
    /// <param name="handedOut">The values the method returns as they are (a value saved for its shape only is not one: a stand-in goes instead).</param>
    private static void WriteRelease(CodeWriter w, GraphEmitter emitter, IEnumerable<PlanStep> steps, string kept, ISet<Value> handedOut)
    {
        var made = steps.SelectMany(step => step.Outputs).Where(v => !handedOut.Contains(v)).Select(emitter.Ref).Distinct().ToList();
        if (made.Count > 0)
        {
            w.Line($"Library.Release([{string.Join(", ", made)}], {kept}, [{string.Join(", ", emitter.Sources)}]); // tensors handed to no one");
        }
    }

    /// <summary>
    /// <c>Tensor[] inputs = [...]</c>: what the tape node's backward gives gradients to, the same in both modes:
    /// every input and parameter either mode differentiates (one that only one mode's graph reaches, through a
    /// branch on Training, gets no gradient in the other mode, as eagerly), in order of first appearance.
    /// </summary>
    private static void WriteTapeInputs(CodeWriter w, Mode[] modes) =>
        w.Line($"Tensor[] inputs = [{string.Join(", ", TapeTargets(modes).Select(t => SourceExpression(t.Source)))}];");

    /// <summary>The tape node's inputs (<see cref="WriteTapeInputs"/>) by name, with the source node of a mode that differentiates each: the backward methods return one gradient (or null) each, in this order.</summary>
    private static List<(string Name, IrNode Source)> TapeTargets(Mode[] modes) =>
        modes.SelectMany(m => m.Graphs.Grads.Select(t => (t.Name, Source: m.Graphs.Forward.Nodes[t.ForwardNode])))
            .GroupBy(t => t.Name, StringComparer.Ordinal)
            .Select(group => group.First())
            .ToList();

    private static void WriteForward(CodeWriter w, Mode mode, IrNode[] arguments)
    {
        TrainingGraphs g = mode.Graphs;
        w.Line("/// <summary>");
        w.Line($"/// {ModeText(mode)} forward: returns the {Count(g.UserOutputs, "output")}, then the {Count(g.Saved.Count, "value")} the backward reads.");
        w.Line("/// </summary>");
        string parameters = string.Join(", ", arguments.Select(a => "Tensor " + Identifier(a.Attrs.Text("name"))));
        // optimised from the first call: tier-0 code would keep every step's tensors alive until the method returns
        w.Line("[System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]");
        w.Open($"private Tensor[] {mode.ForwardMethod}({parameters})");
        var emitter = new GraphEmitter(mode.ForwardPlan, mode.KernelClass("Forward"), SourceExpression);
        emitter.WriteSteps(w);
        w.Line();
        w.Line("Tensor[] results =");
        w.Line("[");
        for (int i = 0; i < g.Forward.Outputs.Count; i++)
        {
            Value v = g.Forward.Outputs[i];
            string comment;
            string expression = emitter.Ref(v);
            if (i < g.UserOutputs)
            {
                comment = $"output {i}";
            }
            else
            {
                SavedValue saved = g.Saved[i - g.UserOutputs];
                comment = $"saved{i - g.UserOutputs}: {saved.Reason}";
                if (saved.ShapeOnly)
                {
                    expression = $"Library.ShapeOf({expression})";
                    comment += " (its shape only)";
                }
            }

            w.Line($"    {expression}, // {comment}");
        }

        w.Line("];");
        WriteRecycle(w, mode.ForwardPlan, emitter, mode.ForwardPlan.Steps, "results");
        var handedOut = new HashSet<Value>(g.Forward.Outputs.Where((v, i) => i < g.UserOutputs || !g.Saved[i - g.UserOutputs].ShapeOnly));
        WriteRelease(w, emitter, mode.ForwardPlan.Steps, "results", handedOut);
        w.Line("return results;");
        w.Close();
    }

    /// <summary>
    /// <c>Library.Recycle([...], kept)</c> over the buffers <paramref name="steps"/> made that the method reads
    /// no more: the plan's own buffers (<see cref="BufferReuse.OwnBuffers"/>) that are not graph outputs, so
    /// the next tensors of their sizes reuse their memory instead of fresh, page-faulted memory.
    /// </summary>
    private static void WriteRecycle(CodeWriter w, FusionPlan plan, GraphEmitter emitter, IEnumerable<PlanStep> steps, string kept)
    {
        var own = new HashSet<Value>(BufferReuse.OwnBuffers(plan));
        var outputs = new HashSet<Value>(plan.Graph.Outputs);
        var dead = steps.SelectMany(step => step.Outputs).Where(v => own.Contains(v) && !outputs.Contains(v)).Select(emitter.Ref).ToList();
        if (dead.Count > 0)
        {
            w.Line($"Library.Recycle([{string.Join(", ", dead)}], {kept}); // buffers read no more");
        }
    }

    /// <summary>The forward for calls that record nothing (no gradient wanted): its output only, nothing saved.</summary>
    private static void WriteNoGradForward(CodeWriter w, Mode mode, IrNode[] arguments)
    {
        w.Line("/// <summary>");
        w.Line($"/// {ModeText(mode)} forward when nothing is recorded for a backward: the output alone, with no saved values");
        w.Line("/// written or kept alive, so more buffers die early and are reused.");
        w.Line("/// </summary>");
        string parameters = string.Join(", ", arguments.Select(a => "Tensor " + Identifier(a.Attrs.Text("name"))));
        w.Line("[System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]");
        w.Open($"private Tensor {mode.NoGradMethod}({parameters})");
        var emitter = new GraphEmitter(mode.NoGradPlan, mode.KernelClass("ForwardNoGrad"), SourceExpression);
        emitter.WriteSteps(w);
        w.Line();
        string output = emitter.Ref(mode.NoGradPlan.Graph.Outputs[0]);
        WriteRecycle(w, mode.NoGradPlan, emitter, mode.NoGradPlan.Steps, $"[{output}]");
        w.Line($"return {output};");
        w.Close();
    }

    /// <param name="targets">The tape node's inputs, in order (<see cref="TapeTargets"/>): this mode's gradients among them, null for the others.</param>
    private static void WriteBackward(CodeWriter w, Mode mode, List<string> targets)
    {
        TrainingGraphs g = mode.Graphs;
        w.Line("/// <summary>");
        w.Line($"/// {ModeText(mode)} backward: from the outputs' gradients and the saved values, the gradients of {string.Join(", ", g.Grads.Select(t => t.Name))}.");
        foreach (Recomputation r in g.Recomputed)
        {
            w.Line($"/// Recomputed here instead of saved: %{r.ForwardNode} {g.Forward.Nodes[r.ForwardNode].Op} ({r.Reason}).");
        }

        w.Line("/// The gradients of the Forward arguments are computed only when <paramref name=\"needs\"/> asks for them.");
        w.Line("/// </summary>");
        // optimised from the first call: tier-0 code would keep every step's tensors alive until the method returns
        w.Line("[System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]");
        w.Open($"private Tensor?[] {mode.BackwardMethod}(Tensor[] grads, Tensor[] saved, bool[] needs)");
        var emitter = new GraphEmitter(mode.BackwardPlan, mode.KernelClass("Backward"), BackwardSource);

        // The input's gradient (a whole transposed convolution or GEMM) is wanted only when the caller
        // differentiates through the input: the steps only it needs run under a check.
        var arguments = g.Grads.Select(t => (Target: t, Index: targets.IndexOf(t.Name))).Where(t => g.Forward.Nodes[t.Target.ForwardNode].Op == SourceOps.Input).ToList();
        HashSet<PlanStep> others = emitter.StepsFor(g.Grads.Where(t => !arguments.Any(a => a.Target == t)).Select(t => g.Backward.Outputs[t.BackwardOutput]));
        HashSet<PlanStep> deferred = emitter.StepsFor(arguments.Select(a => g.Backward.Outputs[a.Target.BackwardOutput]));
        deferred.ExceptWith(others);
        emitter.WriteSteps(w, deferred);
        w.Line();
        foreach (var (target, index) in arguments)
        {
            string name = "d" + index.ToString(CultureInfo.InvariantCulture);
            w.Line($"Tensor? {name} = null; // d {target.Name}");
        }

        if (arguments.Count > 0)
        {
            w.Open("if (" + string.Join(" || ", arguments.Select(a => $"needs[{a.Index}]")) + ")");
            emitter.WriteDeferred(w, deferred);
            w.Line();
            foreach (var (target, index) in arguments)
            {
                w.Line($"d{index} = {emitter.Ref(g.Backward.Outputs[target.BackwardOutput])};");
            }

            w.Close();
            w.Line();
        }

        w.Line("Tensor?[] result =");
        w.Line("[");
        for (int i = 0; i < targets.Count; i++)
        {
            if (g.Grads.FirstOrDefault(t => t.Name == targets[i]) is not { } target)
            {
                w.Line($"    null, // d {targets[i]}: the {ModeText(mode).ToLowerInvariant()} graph does not reach it");
                continue;
            }

            string value = arguments.Any(a => a.Index == i) ? "d" + i.ToString(CultureInfo.InvariantCulture) : emitter.Ref(g.Backward.Outputs[target.BackwardOutput]);
            w.Line($"    {value}, // d {target.Name}");
        }

        w.Line("];");
        // the deferred steps' tensors are out of scope here; the saved tensors may serve another backward
        WriteRecycle(w, mode.BackwardPlan, emitter, mode.BackwardPlan.Steps.Where(step => !deferred.Contains(step)), "result, saved");
        WriteRelease(w, emitter, mode.BackwardPlan.Steps.Where(step => !deferred.Contains(step)), "result", new HashSet<Value>(g.Backward.Outputs));
        w.Line("return result;");
        w.Close();
    }

    private static void WriteKernels(CodeWriter w, string className, FusionPlan plan)
    {
        var kernels = plan.Steps.Where(s => s.Kind == StepKind.Fused).Select(s => s.Kernel!).ToList();
        w.Line($"/// <summary>The fused kernels of {plan.Graph.Name} ({className.Replace("Kernels", string.Empty)}).</summary>");
        w.Open("private static class " + className);
        for (int i = 0; i < kernels.Count; i++)
        {
            if (i > 0)
            {
                w.Line();
            }

            KernelEmitter.Write(w, kernels[i], plan.Graph);
        }

        w.Close();
    }

    private static string ModeText(Mode mode) => mode.Name.Length == 0 ? "Train- and eval-mode" : mode.Name + "-mode";

    /// <summary>A forward source: an argument by name, a parameter or buffer through its access from <c>this</c>.</summary>
    private static string SourceExpression(IrNode node) => node.Op switch
    {
        SourceOps.Input => Identifier(node.Attrs.Text("name")),
        _ => node.Attrs.Text("access") + "!",
    };

    /// <summary>A backward source: <c>gradK</c> from the outputs' gradients, <c>savedK</c> from the forward.</summary>
    private static string BackwardSource(IrNode node)
    {
        string name = node.Attrs.Text("name");
        return name.StartsWith("grad", StringComparison.Ordinal) ? $"grads[{name.Substring(4)}]" : $"saved[{name.Substring(5)}]";
    }

    private static string GuardDim(Dim d) => d.Kind switch
    {
        DimKind.Constant => "\"" + d.Offset.ToString(CultureInfo.InvariantCulture) + "\"",
        _ when d.IsPlainSymbol => "\"" + d.Symbol + "\"",
        _ => "\"?\"",
    };

    private static string Identifier(string name) => SyntaxFacts.IsKeyword(name) ? "@" + name : name;

    private static string Count(int n, string what) => n.ToString(CultureInfo.InvariantCulture) + " " + what + (n == 1 ? string.Empty : "s");

    private static class SyntaxFacts
    {
        private static readonly HashSet<string> Keywords = new(StringComparer.Ordinal) { "in", "out", "ref", "base", "params", "object", "string", "event", "checked", "operator", "lock", "fixed", "default", "class", "new", "this", "is", "as" };

        public static bool IsKeyword(string name) => Keywords.Contains(name);
    }
}
