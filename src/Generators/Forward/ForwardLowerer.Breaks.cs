using System.Collections.Immutable;
using System.Text.RegularExpressions;
using DeepGen.Fusion;
using DeepGen.Fusion.Emit.CSharp;
using DeepGen.Fusion.Ir;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace DeepGen.Generators;

/// <summary>
/// Graph breaks at the top-level statements of Forward (TorchDynamo's): a statement that does not lower
/// runs eagerly, copied as written into the generated dispatch, between compiled regions made of the
/// statements before and after it. Tensors pass between them through Forward's own locals; the tensors an
/// eager statement assigns are typed at build time by lowering their right-hand sides aside. Where that
/// cannot be done (it reads a value folded at build time, returns early, assigns a tensor whose shape
/// depends on the branch taken, ...) the whole Forward runs eagerly, and DG0006 says why.
/// </summary>
internal sealed partial class ForwardLowerer
{
    /// <summary>The first pass over Forward's top-level statements: which ones broke, and the locals before each.</summary>
    private sealed class TopLevelRun(ImmutableArray<IOperation> statements)
    {
        public ImmutableArray<IOperation> Statements { get; } = statements;

        /// <summary>The locals before each statement that ran (up to the <c>return</c>), eager ones' tensors typed as inputs.</summary>
        public List<Dictionary<ISymbol, Operand>> LocalsBefore { get; } = [];

        public Dictionary<int, GraphBreakException> Breaks { get; } = [];
    }

    /// <summary>
    /// Runs Forward's top-level statements; with <paramref name="canSplit"/>, a statement that breaks the graph
    /// is noted (in <see cref="split"/>) and its tensors typed instead, and the run goes on.
    /// </summary>
    private Operand? RunTopLevel(IMethodSymbol forward, Frame frame, bool canSplit)
    {
        var run = new TopLevelRun(Body(forward, frame).Operations);
        for (int i = 0; i < run.Statements.Length && frame.Result is null; i++)
        {
            var before = new Dictionary<ISymbol, Operand>(frame.Locals, SymbolEqualityComparer.Default);
            Func<Operand, Operand>? earlyBefore = frame.EarlyReturns;
            run.LocalsBefore.Add(before);
            try
            {
                Run(run.Statements[i], frame);
            }
            catch (GraphBreakException graphBreak) when (canSplit)
            {
                frame.Locals.Clear();
                foreach (KeyValuePair<ISymbol, Operand> local in before)
                {
                    frame.Locals[local.Key] = local.Value;
                }

                frame.Result = null;
                frame.EarlyReturns = earlyBefore;
                run.Breaks[i] = graphBreak;
                if (WhyNotEager(run, i, frame, graphBreak) is { } why)
                {
                    throw CannotSplit(graphBreak, why);
                }
            }
        }

        if (run.Breaks.Count > 0 && frame.EarlyReturns is not null)
        {
            throw CannotSplit(run.Breaks.Values.First(), "a branch on Training or on a field returns early, and a compiled region cannot return");
        }

        split = run.Breaks.Count > 0 ? run : null;
        return frame.Result;
    }

    private static GraphBreakException CannotSplit(GraphBreakException graphBreak, string why) =>
        new(graphBreak.Node, $"{graphBreak.Reason}, and compiled regions cannot go around it: {why}", graphBreak.Location);

    /// <summary>DG0006 for a Forward that runs eagerly as a whole.</summary>
    private static DiagnosticInfo WholeForwardEager(INamedTypeSymbol type, GraphBreakException graphBreak) =>
        new(Descriptors.GraphBreak, LocationInfo.From(graphBreak.Location), new[] { type.Name, EagerScope.WholeForward, graphBreak.Reason }.ToEquatableArray());

    /// <summary>
    /// Why statement <paramref name="index"/> cannot run eagerly between compiled regions, or null; when it
    /// can, binds the tensors it assigns that matter later to new inputs of their types.
    /// </summary>
    private string? WhyNotEager(TopLevelRun run, int index, Frame frame, GraphBreakException graphBreak)
    {
        IOperation statement = run.Statements[index];
        bool last = index == run.Statements.Length - 1;
        HashSet<ISymbol> readLater = ReadSymbols(run.Statements.Skip(index + 1));
        var assigned = new HashSet<ISymbol>(SymbolEqualityComparer.Default);
        foreach (IOperation operation in statement.DescendantsAndSelf())
        {
            if (operation is IReturnOperation && !last && !InsideFunction(operation, statement))
            {
                return "it returns from Forward before its last statement";
            }

            if (ReferencedSymbol(operation) is not { } symbol || DeclaredIn(symbol, statement.Syntax))
            {
                continue;
            }

            if (!frame.Locals.TryGetValue(symbol, out Operand? bound) || bound is not TensorOperand)
            {
                return $"it uses '{symbol.Name}', which is not a tensor the code before it computes; only tensors pass between compiled and eager code";
            }

            if (IsAssignmentTarget(operation))
            {
                assigned.Add(symbol);
            }
            else if (operation.Parent is IIncrementOrDecrementOperation or ITupleOperation or IArgumentOperation { Parameter.RefKind: not RefKind.None })
            {
                return $"it changes '{symbol.Name}' other than by `=` or a compound assignment, so its type after it is not known at build time";
            }
        }

        var needed = new HashSet<ISymbol>(assigned, SymbolEqualityComparer.Default);
        foreach (ISymbol local in TopLevelDeclarations(statement).Where(readLater.Contains))
        {
            if (local is not ILocalSymbol { Type: var type } || !IsTensor(type))
            {
                return $"it declares '{local.Name}', which later code reads and which is not a tensor; only tensors pass between compiled and eager code";
            }

            needed.Add(local);
        }

        Dictionary<ISymbol, TensorType> types = new(SymbolEqualityComparer.Default);
        if (TypeAssignments(statement, frame, needed, types, graphBreak.Reason) is { } untyped)
        {
            return untyped;
        }

        foreach (ISymbol local in needed)
        {
            frame.Locals[local] = new TensorOperand(builder.Input(local.Name, types[local]));
        }

        return null;
    }

    /// <summary>
    /// Lowers, aside, the right-hand side of every assignment in <paramref name="statement"/> in source order,
    /// as if each ran once, and gives each local of <paramref name="needed"/> the one type all its values have
    /// (and had before, for a local bound before it). Returns why not, or null.
    /// </summary>
    private string? TypeAssignments(IOperation statement, Frame frame, HashSet<ISymbol> needed, Dictionary<ISymbol, TensorType> types, string breakReason)
    {
        var aside = new Frame(frame.Model, frame.MethodName);
        foreach (KeyValuePair<ISymbol, Operand> local in frame.Locals)
        {
            aside.Locals[local.Key] = local.Value;
        }

        var failures = new Dictionary<ISymbol, string>(SymbolEqualityComparer.Default);
        var seen = new Dictionary<ISymbol, List<TensorType>>(SymbolEqualityComparer.Default);
        foreach (ISymbol local in needed)
        {
            seen[local] = frame.Locals.TryGetValue(local, out Operand? before) && before is TensorOperand tensor ? [builder.TypeOf(tensor.Value)] : [];
        }

        foreach (IOperation operation in statement.DescendantsAndSelf())
        {
            if (operation is IForEachLoopOperation { LoopControlVariable: IVariableDeclaratorOperation { Symbol: var element } } loop && ListElement(loop, frame) is { } module)
            {
                // a loop over a module list: the body is typed as if it ran once, on a block of the list
                aside.Locals[element] = module;
                continue;
            }

            (ISymbol Local, Func<Operand> Value)? assignment = operation switch
            {
                IVariableDeclaratorOperation declarator when (declarator.Initializer ?? (declarator.Parent as IVariableDeclarationOperation)?.Initializer) is { } initializer
                    => (declarator.Symbol, () => LowerAside(initializer.Value, aside)),
                ISimpleAssignmentOperation { Target: var target } simple when LocalSymbol(target) is { } local
                    => (local, () => LowerAside(simple.Value, aside)),
                ICompoundAssignmentOperation { Target: var target } compound when LocalSymbol(target) is { } local
                    => (local, () => Binary(compound.OperatorKind, compound.OperatorMethod, Lower(compound.Target, aside), Lower(compound.Value, aside), compound.Syntax)),
                _ => null,
            };
            if (assignment is not { } found)
            {
                continue;
            }

            try
            {
                Operand value = found.Value();
                aside.Locals[found.Local] = value;
                if (seen.TryGetValue(found.Local, out List<TensorType>? values))
                {
                    if (value is TensorOperand tensor)
                    {
                        values.Add(builder.TypeOf(tensor.Value));
                    }
                    else
                    {
                        failures[found.Local] = "it is given a value that is not a tensor";
                    }
                }
            }
            catch (GraphBreakException inner)
            {
                aside.Locals[found.Local] = new UnknownOperand($"'{found.Local.Name}', assigned in eager code");
                failures[found.Local] = inner.Reason;
            }
        }

        foreach (ISymbol local in needed)
        {
            if (failures.TryGetValue(local, out string? failure))
            {
                return $"the shape of '{local.Name}' after it is not known at build time" + (failure == breakReason ? string.Empty : $" ({failure})");
            }

            List<TensorType> values = seen[local];
            if (values.Distinct().Count() != 1)
            {
                return $"'{local.Name}' may be {string.Join(" or ", values.Distinct())} after it, depending on the path taken";
            }

            types[local] = values[0];
        }

        return null;
    }

    /// <summary>A block of the model's <c>ModuleList&lt;T&gt;</c> field that <paramref name="loop"/> walks, or null.</summary>
    private static ModuleOperand? ListElement(IForEachLoopOperation loop, Frame frame)
    {
        IOperation collection = loop.Collection;
        while (collection is IConversionOperation conversion)
        {
            collection = conversion.Operand;
        }

        ISymbol? member = collection switch
        {
            IFieldReferenceOperation { Instance: null or IInstanceReferenceOperation } field => field.Field,
            IPropertyReferenceOperation { Instance: null or IInstanceReferenceOperation } property => property.Property,
            _ => null,
        };
        return member is not null && collection.Type is INamedTypeSymbol { TypeArguments.Length: 1 } list && IsDeepGenType(list, "ModuleList")
            ? new ModuleOperand(member, list.TypeArguments[0], frame.Model, isListElement: true)
            : null;
    }

    /// <summary>
    /// An eager right-hand side lowered to learn its type: a <c>?:</c> on a run-time condition is either
    /// branch, so both are lowered, and must agree.
    /// </summary>
    private Operand LowerAside(IOperation value, Frame aside)
    {
        if (value is IConditionalOperation { WhenFalse: { } whenFalse } conditional)
        {
            try
            {
                ConditionValue(conditional.Condition, aside, conditional.Syntax);
            }
            catch (GraphBreakException)
            {
                Operand first = LowerAside(conditional.WhenTrue, aside);
                Operand second = LowerAside(whenFalse, aside);
                if (first is TensorOperand a && second is TensorOperand b)
                {
                    return builder.TypeOf(a.Value) == builder.TypeOf(b.Value)
                        ? first
                        : throw Break(conditional.Syntax, "the `?:`", $"gives {builder.TypeOf(a.Value)} or {builder.TypeOf(b.Value)}, depending on a run-time condition");
                }

                if (first is TensorOperand || second is TensorOperand)
                {
                    throw Break(conditional.Syntax, "the `?:`", "gives a tensor or something else (null), depending on a run-time condition");
                }

                return first;
            }
        }

        return Lower(value, aside);
    }

    /// <summary>
    /// The second pass: each run of statements between eager ones lowered again into a graph of its own,
    /// whose arguments are the tensors it reads; the model with those pieces and DG0006 at each break.
    /// </summary>
    private ForwardLowering LowerSplit(ModelSpec spec, INamedTypeSymbol type, IMethodSymbol forward, TopLevelRun run)
    {
        var parts = new List<ForwardPart>();
        var parameters = new List<ForwardParameter>();
        var declared = new HashSet<string>(StringComparer.Ordinal) { forward.Parameters[0].Name };
        int count = run.LocalsBefore.Count;
        for (int i = 0; i < count;)
        {
            int start = i;
            bool eager = run.Breaks.ContainsKey(i);
            while (i < count && run.Breaks.ContainsKey(i) == eager)
            {
                i++;
            }

            GraphBreakException nearest = run.Breaks.TryGetValue(start, out GraphBreakException? at) ? at
                : run.Breaks.TryGetValue(i, out GraphBreakException? next) ? next
                : run.Breaks[run.Breaks.Keys.Where(k => k < start).Max()];
            if (eager)
            {
                AddEager(run, start, i, parts, declared);
            }
            else if (AddRegion(type, forward, run, start, i, parts, parameters, declared) is { } why)
            {
                throw CannotSplit(nearest, why);
            }
        }

        if (!parts.OfType<CompiledPart>().Any())
        {
            throw run.Breaks[run.Breaks.Keys.Min()]; // nothing around the eager code to compile
        }

        var arguments = new GraphBuilder(type.Name + ".Forward");
        IrNode input = builder.Nodes.First(n => n.Op == SourceOps.Input);
        arguments.Input(input.Attrs.Text("name"), input.Type);
        IrGraph signature = arguments.Build();
        ForwardModel model = NewModel(spec, forward, parameters, [], signature) with
        {
            Parts = parts.ToEquatableArray(),
            Usings = UsingDirectives(Declaration(forward)),
            Accessors = accessors.Values.ToEquatableArray(),
        };
        EquatableArray<DiagnosticInfo> diagnostics = run.Breaks.OrderBy(b => b.Key)
            .Select(b => new DiagnosticInfo(Descriptors.GraphBreak, LocationInfo.From(b.Value.Location), new[] { type.Name, EagerScope.BetweenRegions, b.Value.Reason }.ToEquatableArray()))
            .ToEquatableArray();
        return new ForwardLowering(model, spec.SourcePath, diagnostics);
    }

    /// <summary>Statements [start, end) that run eagerly, as written.</summary>
    private void AddEager(TopLevelRun run, int start, int end, List<ForwardPart> parts, HashSet<string> declared)
    {
        string reason = string.Join("; ", Enumerable.Range(start, end - start).Select(i => run.Breaks[i].Reason));
        parts.Add(Verbatim(run.Statements[start].Syntax, run.Statements[end - 1].Syntax, reason));
        foreach (ISymbol local in Enumerable.Range(start, end - start).SelectMany(i => TopLevelDeclarations(run.Statements[i])))
        {
            declared.Add(local.Name);
        }
    }

    /// <summary>Statements [start, end) lowered into a graph of their own (or copied, when they compute nothing).</summary>
    private string? AddRegion(INamedTypeSymbol type, IMethodSymbol forward, TopLevelRun run, int start, int end, List<ForwardPart> parts, List<ForwardParameter> parameters, HashSet<string> declared)
    {
        IOperation[] statements = run.Statements.Skip(start).Take(end - start).ToArray();
        Dictionary<ISymbol, Operand> before = run.LocalsBefore[start];
        int number = parts.OfType<CompiledPart>().Count();
        var region = new ForwardLowerer(compilation, $"{type.Name}.Forward.Region{number}", cancellationToken);
        foreach (KeyValuePair<SyntaxTree, SemanticModel> model in semanticModels)
        {
            region.semanticModels[model.Key] = model.Value;
        }

        var frame = new Frame(new ModelScope(type, string.Empty, string.Empty, null, 0), type.Name + ".Forward");
        foreach (KeyValuePair<ISymbol, Operand> local in before.Where(l => l.Value is not TensorOperand))
        {
            frame.Locals[local.Key] = local.Value;
        }

        var inputs = new Dictionary<int, string>();
        foreach (ISymbol local in ReadSymbolsInOrder(statements).Where(s => before.TryGetValue(s, out Operand? o) && o is TensorOperand))
        {
            Value input = region.builder.Input(local.Name, builder.TypeOf(((TensorOperand)before[local]).Value));
            inputs[input.Node] = local.Name;
            frame.Locals[local] = new TensorOperand(input);
        }

        foreach (IOperation statement in statements)
        {
            region.Run(statement, frame);
        }

        bool computes = region.builder.Nodes.Any(n => !SourceOps.IsSource(n.Op));
        var results = new List<(string Local, Value Value)>();
        if (frame.Result is { } returned)
        {
            Value output = region.AsTensor(returned, statements[statements.Length - 1].Syntax, "the value Forward returns");
            region.CheckReturnShape(forward, output);
            results.Add((string.Empty, output));
        }
        else
        {
            // eager code must find every local it assigns declared, so all it names counts as read
            var readLater = new HashSet<ISymbol>(SymbolEqualityComparer.Default);
            for (int i = end; i < run.LocalsBefore.Count; i++)
            {
                readLater.UnionWith(run.Breaks.ContainsKey(i)
                    ? run.Statements[i].DescendantsAndSelf().Select(ReferencedSymbol).OfType<ISymbol>()
                    : ReadSymbols([run.Statements[i]]));
            }

            // in the order they are declared, so the generated code lists them as Forward does
            foreach (KeyValuePair<ISymbol, Operand> local in frame.Locals
                .Where(l => l.Value is TensorOperand && readLater.Contains(l.Key))
                .OrderBy(l => l.Key.DeclaringSyntaxReferences.FirstOrDefault()?.Span.Start ?? 0))
            {
                var value = ((TensorOperand)local.Value).Value;
                if (inputs.TryGetValue(value.Node, out string? name))
                {
                    if (name != local.Key.Name)
                    {
                        return $"'{local.Key.Name}' is another name for '{name}' there";
                    }

                    continue; // passed through unchanged
                }

                if (results.FirstOrDefault(r => r.Value == value) is { Local: { } same } && same.Length > 0)
                {
                    return $"'{local.Key.Name}' is another name for '{same}' there";
                }

                results.Add((local.Key.Name, value));
            }
        }

        if (results.Count == 0 || results.All(r => inputs.ContainsKey(r.Value.Node)))
        {
            if (computes)
            {
                return "the statements before it compute only values that nothing after it reads";
            }

            // copied as written, so it may name only tensors the dispatch holds, as eager code does
            foreach (ISymbol symbol in statements.SelectMany(st => st.DescendantsAndSelf()).Select(ReferencedSymbol).OfType<ISymbol>())
            {
                bool local = statements.Any(st => DeclaredIn(symbol, st.Syntax));
                if (!local && !(before.TryGetValue(symbol, out Operand? bound) && bound is TensorOperand))
                {
                    return $"the statements after it use '{symbol.Name}', which is not a tensor the code before them computes";
                }
            }

            parts.Add(Verbatim(statements[0].Syntax, statements[statements.Length - 1].Syntax, string.Empty));
            return null;
        }

        foreach ((string _, Value value) in results)
        {
            region.builder.Output(value);
        }

        EquatableArray<string> outputs = frame.Result is null ? results.Select(r => r.Local).ToEquatableArray() : EquatableArray<string>.Empty;
        parts.Add(new CompiledPart(region.builder.Build(), outputs, outputs.Where(declared.Add).ToEquatableArray()));
        parameters.AddRange(region.parameters);
        foreach (KeyValuePair<string, string> accessor in region.accessors)
        {
            accessors[accessor.Key] = accessor.Value;
        }

        return null;
    }

    /// <summary>The using directives in scope at <paramref name="node"/>: its file's, then its namespaces', outermost first.</summary>
    private static EquatableArray<string> UsingDirectives(SyntaxNode node)
    {
        IEnumerable<UsingDirectiveSyntax> directives = node.SyntaxTree.GetRoot() is CompilationUnitSyntax unit ? unit.Usings : [];
        foreach (BaseNamespaceDeclarationSyntax space in node.Ancestors().OfType<BaseNamespaceDeclarationSyntax>().Reverse())
        {
            directives = directives.Concat(space.Usings);
        }

        return directives.Where(d => d.GlobalKeyword.IsKind(SyntaxKind.None)).Select(d => d.WithoutTrivia().ToString()).Distinct().ToEquatableArray();
    }

    private static readonly Regex LineNumber = new(@" at line \d+", RegexOptions.CultureInvariant);

    /// <summary>
    /// The source text from <paramref name="first"/> to <paramref name="last"/>, re-indented to column 0, with each
    /// call of a [Model] sub-model's one-tensor Forward sent through <c>CompiledDispatch.Forward</c>, so that a
    /// block called from eager code (a loop over a module list) still runs its own compiled graph.
    /// </summary>
    private EagerPart Verbatim(SyntaxNode first, SyntaxNode last, string reason)
    {
        var span = Microsoft.CodeAnalysis.Text.TextSpan.FromBounds(first.SpanStart, last.Span.End);
        string text = first.SyntaxTree.GetText(cancellationToken).ToString(span);
        foreach ((InvocationExpressionSyntax call, string dispatched) in SubModelCalls(first, span).OrderByDescending(c => c.Call.SpanStart))
        {
            int start = call.SpanStart - span.Start;
            text = text.Substring(0, start) + dispatched + text.Substring(start + call.Span.Length);
        }

        int indent = first.GetLocation().GetLineSpan().StartLinePosition.Character;
        string[] lines = text.Replace("\r\n", "\n").Split('\n');
        for (int i = 1; i < lines.Length; i++)
        {
            int blank = 0;
            while (blank < indent && blank < lines[i].Length && char.IsWhiteSpace(lines[i][blank]))
            {
                blank++;
            }

            lines[i] = lines[i].Substring(blank);
        }

        NullableContext nullable = Model(first.SyntaxTree).GetNullableContext(first.SpanStart);
        return new EagerPart(
            string.Join("\n", lines),
            LineNumber.Replace(reason, string.Empty),
            nullable.AnnotationsEnabled() && nullable.WarningsEnabled());
    }

    /// <summary>
    /// The outermost calls <c>block.Forward(h)</c> within <paramref name="span"/> on a [Model] class's own
    /// one-tensor Forward, each with its text through the compiled dispatch.
    /// </summary>
    private IEnumerable<(InvocationExpressionSyntax Call, string Dispatched)> SubModelCalls(SyntaxNode first, Microsoft.CodeAnalysis.Text.TextSpan span)
    {
        SemanticModel model = Model(first.SyntaxTree);
        var calls = new List<(InvocationExpressionSyntax, string)>();
        foreach (InvocationExpressionSyntax call in first.Parent!.DescendantNodes(span).OfType<InvocationExpressionSyntax>())
        {
            if (!span.Contains(call.Span)
                || call.Expression is not MemberAccessExpressionSyntax { Expression: var receiver, Name.Identifier.ValueText: "Forward" }
                || receiver is ThisExpressionSyntax or BaseExpressionSyntax
                || call.ArgumentList.Arguments.Count != 1
                || model.GetSymbolInfo(call, cancellationToken).Symbol is not IMethodSymbol { IsStatic: false, Parameters.Length: 1 } method
                || !ModelGenerator.IsModelClass(method.ContainingType)
                || !SymbolEqualityComparer.Default.Equals(FindForward(method.ContainingType), method)
                || calls.Any(c => c.Item1.Span.Contains(call.Span)))
            {
                continue;
            }

            calls.Add((call, $"CompiledDispatch.Forward({receiver}, {call.ArgumentList.Arguments[0].Expression}, static (model, input) => model.Forward(input))"));
        }

        return calls;
    }

    /// <summary>The locals and parameters that <paramref name="statements"/> read (a plain assignment's target is not read).</summary>
    private static HashSet<ISymbol> ReadSymbols(IEnumerable<IOperation> statements) =>
        new(ReadSymbolsInOrder(statements), SymbolEqualityComparer.Default);

    private static List<ISymbol> ReadSymbolsInOrder(IEnumerable<IOperation> statements)
    {
        var found = new List<ISymbol>();
        foreach (IOperation operation in statements.SelectMany(s => s.DescendantsAndSelf()))
        {
            if (ReferencedSymbol(operation) is { } symbol && !(operation.Parent is ISimpleAssignmentOperation { Target: var target } && target == operation)
                && !found.Contains(symbol, SymbolEqualityComparer.Default))
            {
                found.Add(symbol);
            }
        }

        return found;
    }

    private static ISymbol? ReferencedSymbol(IOperation operation) => operation switch
    {
        ILocalReferenceOperation local => local.Local,
        IParameterReferenceOperation parameter => parameter.Parameter,
        _ => null,
    };

    private static bool IsAssignmentTarget(IOperation operation) =>
        operation.Parent is ISimpleAssignmentOperation { Target: var simple } && simple == operation
        || operation.Parent is ICompoundAssignmentOperation { Target: var compound } && compound == operation;

    /// <summary>The locals a top-level declaration statement declares (visible to the statements after it).</summary>
    private static IEnumerable<ISymbol> TopLevelDeclarations(IOperation statement) =>
        statement is IVariableDeclarationGroupOperation group
            ? group.Declarations.SelectMany(d => d.Declarators).Select(d => (ISymbol)d.Symbol)
            : [];

    private static bool DeclaredIn(ISymbol symbol, SyntaxNode syntax) =>
        symbol.DeclaringSyntaxReferences.Any(r => r.SyntaxTree == syntax.SyntaxTree && syntax.Span.Contains(r.Span));

    /// <summary>True when <paramref name="operation"/> is inside a lambda or local function within <paramref name="statement"/>.</summary>
    private static bool InsideFunction(IOperation operation, IOperation statement)
    {
        for (IOperation? o = operation.Parent; o is not null && o != statement; o = o.Parent)
        {
            if (o is IAnonymousFunctionOperation or ILocalFunctionOperation)
            {
                return true;
            }
        }

        return false;
    }
}
