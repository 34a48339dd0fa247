using DeepGen.Fusion;
using DeepGen.Fusion.Ir;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace DeepGen.Generators;

/// <summary>
/// Lowers a <c>[Model]</c> class's <c>public Tensor Forward(Tensor x, ...)</c> to Fusion IR, reading
/// Roslyn's operation tree (the semantic model), never guessing from syntax. It runs the method at build
/// time over what it can know: tensors become graph nodes, whole numbers and floating-point values are
/// folded (constant <c>for</c> loops are unrolled, compile-time <c>if</c>s resolved), calls to built-in
/// layers and to other [Model] classes of the compilation are inlined. Whatever it cannot compile stops
/// it with a graph break (DG0006); a shape rule that rejects its inputs is a shape error (DG0007).
/// Besides <see cref="ModelParser"/>, the only place that reads Roslyn symbols.
/// </summary>
internal sealed partial class ForwardLowerer
{
    private const int MaxUnrolledIterations = 1024;
    private const int MaxInlineDepth = 16;

    private readonly Compilation compilation;
    private readonly GraphBuilder builder;
    private readonly CancellationToken cancellationToken;
    private readonly Dictionary<SyntaxTree, SemanticModel> semanticModels = [];
    private readonly Dictionary<string, Value> parametersByState = new(StringComparer.Ordinal);
    private readonly List<ForwardParameter> parameters = [];
    private readonly Dictionary<int, string> nodeText = [];

    /// <summary>Forward's top-level statements as run, when some of them broke the graph (else null).</summary>
    private TopLevelRun? split;

    private ForwardLowerer(Compilation compilation, string graphName, CancellationToken cancellationToken)
    {
        this.compilation = compilation;
        this.cancellationToken = cancellationToken;
        builder = new GraphBuilder(graphName);
    }

    /// <summary>
    /// The <see cref="TrackingNames.ForwardLowering"/> transform: the model's lowered Forward and its diagnostics,
    /// DG0006/DG0007 from the lowering, DG0008/DG0009 from the gradient checks on it, DG0010 from the class.
    /// </summary>
    public static ForwardLowering Lower(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        ForwardLowering lowering = LowerForward(context, cancellationToken);
        var type = (INamedTypeSymbol)context.TargetSymbol;
        Compilation compilation = context.SemanticModel.Compilation;
        var found = new List<DiagnosticInfo>();
        try
        {
            found.AddRange(ReassignedSubModules(type, compilation, cancellationToken));
            if (FindForward(type) is { } forward && (lowering.Model is not null || lowering.Diagnostics.Count > 0))
            {
                found.AddRange(GradientCuts(type, forward, compilation, cancellationToken));
                if (lowering.Model is { Graph: var graph, Parts.Count: 0 })
                {
                    found.AddRange(UnreachedParameters(type, forward, graph, cancellationToken));
                }
            }
        }
        catch (Exception error) when (error is not OperationCanceledException)
        {
            // As for the lowering: a bug of these checks must not fail the user's build (CS8785). They are
            // warnings about likely mistakes, so the model keeps what the lowering found, without them.
            found.Clear();
        }

        return found.Count == 0 ? lowering : lowering with { Diagnostics = lowering.Diagnostics.Concat(found).ToEquatableArray() };
    }

    private static ForwardLowering LowerForward(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        ModelSpec spec = ModelParser.Parse(context, cancellationToken);
        var type = (INamedTypeSymbol)context.TargetSymbol;
        IMethodSymbol? forward = FindForward(type);
        if (forward is null || !spec.DerivesFromModule || type.IsAbstract || type.IsGenericType)
        {
            return new ForwardLowering(null, spec.SourcePath, EquatableArray<DiagnosticInfo>.Empty);
        }

        var lowerer = new ForwardLowerer(context.SemanticModel.Compilation, type.Name + ".Forward", cancellationToken);
        lowerer.semanticModels[context.SemanticModel.SyntaxTree] = context.SemanticModel; // already binding the model's file
        ForwardLowering lowering = lowerer.LowerModel(spec, type, forward);
        return lowering with { Diagnostics = lowering.Diagnostics.Concat(lowerer.ShapeNoteDiagnostics()).ToEquatableArray() };
    }

    /// <summary>The lowering of the model's Forward, or the graph break, shape error or internal error that stopped it.</summary>
    private ForwardLowering LowerModel(ModelSpec spec, INamedTypeSymbol type, IMethodSymbol forward)
    {
        try
        {
            IrGraph? graph = LowerTopLevel(type, forward);
            if (graph is null)
            {
                return new ForwardLowering(null, spec.SourcePath, EquatableArray<DiagnosticInfo>.Empty); // a bad [Shape]: DG0002 says so
            }

            if (split is { } run)
            {
                return LowerSplit(spec, type, forward, run);
            }

            ForwardModel model = NewModel(spec, forward, parameters, nodeText, graph) with { Accessors = accessors.Values.ToEquatableArray() };
            return new ForwardLowering(model, spec.SourcePath, EquatableArray<DiagnosticInfo>.Empty);
        }
        catch (GraphBreakException graphBreak)
        {
            return new ForwardLowering(null, spec.SourcePath, new[] { WholeForwardEager(type, graphBreak) }.ToEquatableArray());
        }
        catch (ShapeErrorException shapeError)
        {
            var info = new DiagnosticInfo(Descriptors.ShapeError, LocationInfo.From(shapeError.Node), new[] { type.Name, shapeError.Message }.ToEquatableArray());
            return new ForwardLowering(null, spec.SourcePath, new[] { info }.ToEquatableArray());
        }
        catch (Exception error) when (error is not OperationCanceledException)
        {
            // A bug of the lowering must not fail the user's build (CS8785 is a warning, an error with
            // warnings as errors): the model runs eagerly, and the diagnostic says what to report.
            Location where = forward.Locations.FirstOrDefault(l => l.IsInSource) ?? Location.None;
            string reason = $"{type.Name}.Forward at line {where.GetLineSpan().StartLinePosition.Line + 1} could not be lowered because of an internal error of DeepGen's front-end ({error.GetType().Name}: {error.Message}); please report it";
            var info = new DiagnosticInfo(Descriptors.GraphBreak, LocationInfo.From(where), new[] { type.Name, EagerScope.WholeForward, reason }.ToEquatableArray());
            return new ForwardLowering(null, spec.SourcePath, new[] { info }.ToEquatableArray());
        }
    }

    /// <summary>The model the emitter gets for <paramref name="graph"/>, in <c>Sample.Classifier.Forward.g.cs</c>.</summary>
    private static ForwardModel NewModel(ModelSpec spec, IMethodSymbol forward, IEnumerable<ForwardParameter> parameters, Dictionary<int, string> nodeText, IrGraph graph) => new(
        spec.Namespace,
        spec.ClassName,
        spec.ContainingTypes,
        spec.HintName.EndsWith(".g.cs", StringComparison.Ordinal)
            ? spec.HintName.Substring(0, spec.HintName.Length - ".g.cs".Length) + ".Forward.g.cs"
            : spec.HintName + ".Forward.g.cs",
        spec.SourcePath,
        forward.Parameters.Select(p => p.Name).ToEquatableArray(),
        parameters.ToEquatableArray(),
        Enumerable.Range(0, graph.Nodes.Count).Select(id => nodeText.TryGetValue(id, out string? text) ? text : string.Empty).ToEquatableArray(),
        graph,
        EquatableArray<Fusion.Emit.CSharp.ForwardPart>.Empty,
        EquatableArray<string>.Empty);

    /// <summary>The model's own <c>public Tensor Forward(Tensor, ...)</c>, if it declares one.</summary>
    internal static IMethodSymbol? FindForward(INamedTypeSymbol type) =>
        type.GetMembers("Forward").OfType<IMethodSymbol>().FirstOrDefault(method =>
            method is { IsStatic: false, IsAbstract: false, DeclaredAccessibility: Accessibility.Public, TypeParameters.Length: 0 }
            && IsTensor(method.ReturnType)
            && method.DeclaringSyntaxReferences.Length > 0);

    private IrGraph? LowerTopLevel(INamedTypeSymbol type, IMethodSymbol forward)
    {
        var scope = new ModelScope(type, string.Empty, string.Empty, null, 0);
        var frame = new Frame(scope, type.Name + ".Forward");
        topFrame = frame;
        MethodDeclarationSyntax declaration = Declaration(forward);
        HashSet<IParameterSymbol> indexInputs = EmbeddingIndexInputs(forward);

        for (int i = 0; i < forward.Parameters.Length; i++)
        {
            IParameterSymbol parameter = forward.Parameters[i];
            SyntaxNode where = declaration.ParameterList.Parameters[i];
            if (!IsTensor(parameter.Type))
            {
                throw Break(where, $"parameter '{parameter.Name}'", $"is a {parameter.Type.ToDisplayString()}, not a Tensor; only tensor arguments are compiled");
            }

            ShapeSpec? shape = InputShape(parameter, out string? shapeText);
            if (shapeText is null)
            {
                throw Break(where, $"parameter '{parameter.Name}'", "has no [Shape] annotation, so its rank is not known at build time; annotate it, e.g. [Shape(\"B, 784\")]");
            }

            if (shape is null)
            {
                return null;
            }

            if (shape.HasRest)
            {
                throw Break(where, $"parameter '{parameter.Name}'", $"has the shape \"{shapeText}\", whose rank is not fixed ('*')");
            }

            ScalarType dtype = indexInputs.Contains(parameter) ? ScalarType.Int64 : ScalarType.Float32;
            Value input = builder.Input(parameter.Name, new TensorType(dtype, shape.Dims), Span(where));
            frame.Locals[parameter] = new TensorOperand(input);
            NoteShape(frame, where, parameter.Name, frame.Locals[parameter]);
        }

        Operand? result = RunTopLevel(forward, frame, canSplit: forward.Parameters.Length == 1);
        if (split is not null)
        {
            return builder.Build(); // the pieces are lowered again one by one (LowerSplit)
        }

        Value output = AsTensor(result ?? throw Break(declaration, frame.MethodName, "does not end with a return statement"), declaration, "the value Forward returns");
        CheckReturnShape(forward, output);
        builder.Output(output);
        return builder.Build();
    }

    /// <summary>Runs a method's body in <paramref name="frame"/> (whose parameters are bound) and returns what it returns.</summary>
    private Operand RunBody(IMethodSymbol method, Frame frame)
    {
        Run(Body(method, frame), frame);
        return frame.Result ?? throw Break(Declaration(method), $"{frame.MethodName}", "does not end with a return statement");
    }

    private IBlockOperation Body(IMethodSymbol method, Frame frame)
    {
        MethodDeclarationSyntax declaration = Declaration(method);
        if (Model(declaration.SyntaxTree).GetOperation(declaration, cancellationToken) is not IMethodBodyOperation body)
        {
            throw Break(declaration, $"the body of {frame.MethodName}", "could not be read");
        }

        return body.BlockBody ?? body.ExpressionBody
            ?? throw Break(declaration, $"{frame.MethodName}", "has no body");
    }

    private void Run(IOperation statement, Frame frame)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (frame.Result is not null)
        {
            return; // after a return: unreachable
        }

        switch (statement)
        {
            case IBlockOperation block:
                int noGradScopes = frame.NoGradScopes.Count;
                foreach (IOperation inner in block.Operations)
                {
                    Run(inner, frame);
                }

                EndNoGradDeclarations(noGradScopes, frame);
                break;

            case IUsingOperation { Resources: var resources } noGrad when IsNoGrad(resources):
                RunNoGrad(noGrad, frame);
                break;

            case IUsingDeclarationOperation declaration when IsNoGrad(declaration.DeclarationGroup):
                BeginNoGradDeclaration(declaration, frame);
                break;

            case IVariableDeclarationGroupOperation group:
                foreach (IVariableDeclarationOperation declaration in group.Declarations)
                {
                    foreach (IVariableDeclaratorOperation declarator in declaration.Declarators)
                    {
                        IVariableInitializerOperation? initializer = declarator.Initializer ?? declaration.Initializer;
                        if (initializer is not null)
                        {
                            frame.Locals[declarator.Symbol] = Lower(initializer.Value, frame);
                            NoteShape(frame, declarator.Syntax, declarator.Symbol.Name, frame.Locals[declarator.Symbol]);
                        }
                    }
                }

                break;

            case IExpressionStatementOperation { Operation: var expression }:
                RunExpressionStatement(expression, frame);
                break;

            case IReturnOperation { ReturnedValue: { } returned }:
                if (frame.LoopDepth > 0)
                {
                    throw Break(statement.Syntax, "the `return`", "is inside a loop");
                }

                Operand value = Lower(returned, frame);
                NoteShape(frame, returned.Syntax, "return", value);
                SetResult(frame, value);
                break;

            case IConditionalOperation conditional when BranchChoice(conditional.Condition, frame) is { } choice:
                RunBothArms(conditional, choice.Choice, choice.WhenTrueIsFirst, frame);
                break;

            case IConditionalOperation conditional:
                if (ConditionValue(conditional.Condition, frame, conditional.Syntax))
                {
                    Run(conditional.WhenTrue, frame);
                }
                else if (conditional.WhenFalse is not null)
                {
                    Run(conditional.WhenFalse, frame);
                }

                break;

            case IForLoopOperation loop:
                RunFor(loop, frame);
                break;

            case IForEachLoopOperation loop:
                throw Break(loop.Syntax, "the `foreach`", IsDeepGenType(loop.Collection.Type, "ModuleList") || IsDeepGenType(loop.Collection.Type, "Sequential")
                    ? "loops over a module list, so the loop runs eagerly (a [Model] block in it still runs its own compiled Forward)"
                    : "loops over a collection whose length is known only at run time", HeaderLocation(loop.Syntax));

            case IWhileLoopOperation loop:
                throw Break(loop.Syntax, "the `while` loop", "has a bound known only at run time", HeaderLocation(loop.Syntax));

            case IEmptyOperation:
                break;

            default:
                throw Break(statement.Syntax, $"the statement `{Short(statement.Syntax)}`", "is not something the compiler understands");
        }
    }

    private void RunExpressionStatement(IOperation expression, Frame frame)
    {
        switch (expression)
        {
            case ISimpleAssignmentOperation { Target: var target } assignment when LocalSymbol(target) is { } local:
                frame.Locals[local] = Lower(assignment.Value, frame); // a rebinding: SSA
                NoteShape(frame, target.Syntax, local.Name, frame.Locals[local]);
                return;

            case ICompoundAssignmentOperation { Target: var target } compound when LocalSymbol(target) is { } local:
                frame.Locals[local] = Binary(compound.OperatorKind, compound.OperatorMethod, Lower(compound.Target, frame), Lower(compound.Value, frame), compound.Syntax);
                NoteShape(frame, target.Syntax, local.Name, frame.Locals[local]);
                return;

            case IIncrementOrDecrementOperation { Target: var target } step when LocalSymbol(target) is { } local:
                Operand current = Lower(step.Target, frame);
                var one = new SizeOperand(SizeExpr.Of(1));
                frame.Locals[local] = Binary(
                    step.Kind == OperationKind.Increment ? BinaryOperatorKind.Add : BinaryOperatorKind.Subtract, null, current, one, step.Syntax);
                return;

            case IInvocationOperation call:
                throw Break(call.Syntax, $"the call `{Short(call.Syntax)}`", "has a side effect or a discarded result the compiled graph cannot keep");

            default:
                throw Break(expression.Syntax, $"the statement `{Short(expression.Syntax)}`", "changes state the compiled graph cannot keep; only tensor locals may be assigned");
        }
    }

    /// <summary>The local or parameter an assignment rebinds, else null (a field, an element, ...).</summary>
    private static ISymbol? LocalSymbol(IOperation target) => target switch
    {
        ILocalReferenceOperation local => local.Local,
        IParameterReferenceOperation { Parameter.RefKind: RefKind.None } parameter => parameter.Parameter,
        _ => null,
    };

    /// <summary>Unrolls a <c>for</c> loop whose bound is known at build time, running the body once per iteration.</summary>
    private void RunFor(IForLoopOperation loop, Frame frame)
    {
        SyntaxNode header = loop.Syntax;
        foreach (IOperation before in loop.Before)
        {
            Run(before, frame);
        }

        frame.LoopDepth++;
        int iterations = 0;
        while (loop.Condition is null || ConditionValue(loop.Condition, frame, header, isLoop: true))
        {
            if (++iterations > MaxUnrolledIterations)
            {
                throw Break(header, "the `for`", $"runs more than {MaxUnrolledIterations} times; it would unroll into too large a graph", HeaderLocation(loop.Syntax));
            }

            Run(loop.Body, frame);
            foreach (IOperation step in loop.AtLoopBottom)
            {
                Run(step, frame);
            }
        }

        frame.LoopDepth--;
    }

    /// <summary>An <c>if</c>'s or a loop's condition, which must be known at build time.</summary>
    private bool ConditionValue(IOperation condition, Frame frame, SyntaxNode header, bool isLoop = false)
    {
        string construct = isLoop ? "the `for`" : header is ConditionalExpressionSyntax ? "the `?:`" : "the `if`";
        Location location = HeaderLocation(header);
        if (condition.ConstantValue is { HasValue: true, Value: bool constant })
        {
            return constant;
        }

        string? why = WhyRuntime(condition, frame);
        if (why is not null)
        {
            throw Break(header, construct, isLoop ? $"has a bound known only at run time ({why})" : $"branches on {why}", location);
        }

        Operand? value;
        try
        {
            value = Lower(condition, frame);
        }
        catch (GraphBreakException)
        {
            value = null; // reported below, at the construct, with the reason that matters
        }

        if (value is BoolOperand known)
        {
            return known.Value;
        }

        string detail = value is UnknownOperand unknown ? unknown.What : "a value known only at run time";
        throw Break(header, construct, isLoop ? $"has a bound known only at run time: {detail}" : $"branches on {detail}", location);
    }

    /// <summary>Why a condition is known only at run time, when it reads a tensor, the train/eval mode or a field; else null.</summary>
    private string? WhyRuntime(IOperation condition, Frame frame)
    {
        foreach (IOperation operation in condition.DescendantsAndSelf())
        {
            if (operation.Type is { } type && IsTensor(type) && !IsSizeQuery(operation.Parent))
            {
                return "a tensor's value";
            }

            if (operation is IPropertyReferenceOperation { Property.Name: "Training" } property && IsModuleType(property.Property.ContainingType))
            {
                return TrainingInCondition;
            }

            if (operation is ILocalReferenceOperation local && frame.Locals.TryGetValue(local.Local, out Operand? bound) && bound is TensorOperand && !IsSizeQuery(operation.Parent))
            {
                return "a tensor's value";
            }
        }

        foreach (IOperation operation in condition.DescendantsAndSelf())
        {
            if (operation is IFieldReferenceOperation { Field: { IsStatic: false, IsConst: false } field } && TryMemberValue(field, frame.Model) is null or UnknownOperand)
            {
                return $"the field '{field.Name}', whose value is set at run time; a branch is resolved per instance only on a readonly bool field of the model itself, tested alone (`if ({field.Name})`, `if (!{field.Name})`)";
            }
        }

        return null;
    }

    /// <summary>True for <c>x.Size(k)</c>, <c>x.Shape</c>, <c>x.Rank</c>: they read a tensor's shape, not its values.</summary>
    private static bool IsSizeQuery(IOperation? parent) =>
        parent is IInvocationOperation { TargetMethod.Name: "Size" } or IPropertyReferenceOperation { Property.Name: "Shape" or "Rank" or "Numel" };

    private MethodDeclarationSyntax Declaration(IMethodSymbol method)
    {
        foreach (SyntaxReference reference in method.DeclaringSyntaxReferences)
        {
            if (reference.GetSyntax(cancellationToken) is MethodDeclarationSyntax declaration)
            {
                return declaration;
            }
        }

        throw new InvalidOperationException($"{method.Name} has no method declaration in source.");
    }

    private SemanticModel Model(SyntaxTree tree)
    {
        if (!semanticModels.TryGetValue(tree, out SemanticModel? model))
        {
#pragma warning disable RS1030 // a generator transform may bind other trees of its compilation (a partial Forward, a sub-model's file)
            model = compilation.GetSemanticModel(tree);
#pragma warning restore RS1030
            semanticModels[tree] = model;
        }

        return model;
    }

    private static ShapeSpec? InputShape(IParameterSymbol parameter, out string? text)
    {
        text = null;
        foreach (AttributeData attribute in parameter.GetAttributes())
        {
            if (attribute.AttributeClass?.ToDisplayString() == ModelParser.ShapeAttributeName && attribute.ConstructorArguments.Length == 1)
            {
                text = attribute.ConstructorArguments[0].Value as string ?? "null";
                return ShapeSpec.TryParse(attribute.ConstructorArguments[0].Value as string, out ShapeSpec? spec, out _) ? spec : null;
            }
        }

        return null;
    }

    /// <summary>A DG0007 when Forward's <c>[return: Shape]</c> disagrees with the shape it returns.</summary>
    private void CheckReturnShape(IMethodSymbol forward, Value output)
    {
        foreach (AttributeData attribute in forward.GetReturnTypeAttributes())
        {
            if (attribute.AttributeClass?.ToDisplayString() != ModelParser.ShapeAttributeName
                || attribute.ConstructorArguments.Length != 1
                || !ShapeSpec.TryParse(attribute.ConstructorArguments[0].Value as string, out ShapeSpec? expected, out _)
                || expected.HasRest)
            {
                continue;
            }

            TensorType actual = builder.TypeOf(output);
            bool matches = actual.Rank == expected.Dims.Count
                && actual.Shape.Zip(expected.Dims, (a, e) => a.Kind == DimKind.Unknown || a == e).All(same => same);
            if (!matches)
            {
                SyntaxNode where = ReturnSyntax(forward) ?? Declaration(forward);
                throw new ShapeErrorException(where, $"Forward returns {actual}, but its [return: Shape] annotation says [{expected}]");
            }
        }
    }

    private SyntaxNode? ReturnSyntax(IMethodSymbol forward)
    {
        MethodDeclarationSyntax declaration = Declaration(forward);
        if (declaration.ExpressionBody is { } arrow)
        {
            return arrow.Expression;
        }

        return declaration.Body?.Statements.OfType<ReturnStatementSyntax>().LastOrDefault()?.Expression;
    }

    /// <summary>Forward's parameters passed straight to an embedding (F.Embedding or an Embedding layer): they hold indices (int64).</summary>
    private HashSet<IParameterSymbol> EmbeddingIndexInputs(IMethodSymbol forward)
    {
        var found = new HashSet<IParameterSymbol>(SymbolEqualityComparer.Default);
        MethodDeclarationSyntax declaration = Declaration(forward);
        IOperation? body = Model(declaration.SyntaxTree).GetOperation(declaration, cancellationToken);
        foreach (IInvocationOperation call in body?.DescendantsAndSelf().OfType<IInvocationOperation>() ?? [])
        {
            bool embedding = (IsDeepGenType(call.TargetMethod.ContainingType, "F") && call.TargetMethod.Name == "Embedding")
                || (call.TargetMethod.Name == "Forward" && IsDeepGenType(call.TargetMethod.ContainingType, "Embedding"));
            if (embedding && call.Arguments.Length > 0 && call.Arguments[0].Value is IParameterReferenceOperation { Parameter: var parameter })
            {
                found.Add(parameter);
            }
        }

        return found;
    }
}
