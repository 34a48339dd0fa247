using DeepGen.Fusion;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace DeepGen.Generators;

// DG0008: a gradient cut (Detach, Argmax, Item, a conversion to an integer or bool dtype) whose result
// reaches Forward's output. A small forward data-flow over Forward's operation tree: each value carries
// whether it depends on the model's parameters and which cuts it went through.
internal sealed partial class ForwardLowerer
{
    /// <summary>The DG0008s of <paramref name="forward"/>: each cut of a trainable value that flows into what it returns, outside <c>Torch.NoGrad()</c>.</summary>
    private static List<DiagnosticInfo> GradientCuts(INamedTypeSymbol type, IMethodSymbol forward, Compilation compilation, CancellationToken cancellationToken)
    {
        var found = new List<DiagnosticInfo>();
        foreach (SyntaxReference reference in forward.DeclaringSyntaxReferences)
        {
            SyntaxNode declaration = reference.GetSyntax(cancellationToken);
#pragma warning disable RS1030 // the transform reads Forward's own tree, which may be another part of the partial class
            if (compilation.GetSemanticModel(declaration.SyntaxTree).GetOperation(declaration, cancellationToken) is not IMethodBodyOperation body)
#pragma warning restore RS1030
            {
                continue;
            }

            var flow = new GradientFlow(type);
            flow.Run(body.BlockBody ?? body.ExpressionBody);
            foreach ((IInvocationOperation cut, string reason) in flow.CutsReachingOutput())
            {
                found.Add(new DiagnosticInfo(Descriptors.GradientCut, LocationInfo.From(cut.Syntax), new[] { type.Name, Short(cut.Syntax), reason }.ToEquatableArray()));
            }
        }

        return found;
    }

    /// <summary>What the data-flow knows of a value: does it depend on a parameter, and through which cuts did it pass.</summary>
    private sealed class Flow(bool trainable, IReadOnlyCollection<IInvocationOperation> cuts)
    {
        public static Flow None { get; } = new(false, []);

        public bool Trainable { get; } = trainable;

        public IReadOnlyCollection<IInvocationOperation> Cuts { get; } = cuts;

        public Flow Or(Flow other)
        {
            if (other.Cuts.Count == 0 && (Trainable || !other.Trainable))
            {
                return this;
            }

            var cuts = new HashSet<IInvocationOperation>(Cuts);
            cuts.UnionWith(other.Cuts);
            return new Flow(Trainable || other.Trainable, cuts);
        }

        public Flow WithTrainable(bool trainable) => trainable == Trainable ? this : new Flow(trainable, Cuts);
    }

    private sealed class GradientFlow(INamedTypeSymbol model)
    {
        private readonly Dictionary<ISymbol, Flow> locals = new(SymbolEqualityComparer.Default);
        private readonly Dictionary<IInvocationOperation, string> reasons = [];
        private Flow output = Flow.None;
        private int noGrad;
        private int branch;

        /// <summary>The cuts in the returned values, in source order, each with why it cuts.</summary>
        public IEnumerable<(IInvocationOperation Cut, string Reason)> CutsReachingOutput() =>
            output.Cuts.OrderBy(cut => cut.Syntax.SpanStart).Select(cut => (cut, reasons[cut]));

        public void Run(IOperation? statement)
        {
            switch (statement)
            {
                case null:
                    return;

                case IBlockOperation block:
                    int outer = noGrad;
                    foreach (IOperation inner in block.Operations)
                    {
                        if (inner is IUsingDeclarationOperation declaration && IsNoGrad(declaration.DeclarationGroup))
                        {
                            noGrad++; // `using var _ = Torch.NoGrad();`: the rest of the block
                        }
                        else
                        {
                            Run(inner);
                        }
                    }

                    noGrad = outer;
                    return;

                case IUsingOperation { Resources: var resources, Body: var body }:
                    bool disables = IsNoGrad(resources);
                    noGrad += disables ? 1 : 0;
                    Run(body);
                    noGrad -= disables ? 1 : 0;
                    return;

                case IVariableDeclarationGroupOperation group:
                    foreach (IVariableDeclarationOperation declaration in group.Declarations)
                    {
                        foreach (IVariableDeclaratorOperation declarator in declaration.Declarators)
                        {
                            Assign(declarator.Symbol, Eval((declarator.Initializer ?? declaration.Initializer)?.Value));
                        }
                    }

                    return;

                case IExpressionStatementOperation { Operation: var expression }:
                    Statement(expression);
                    return;

                case IReturnOperation { ReturnedValue: var returned }:
                    output = output.Or(Eval(returned));
                    return;

                case IConditionalOperation conditional:
                    Eval(conditional.Condition);
                    branch++;
                    Run(conditional.WhenTrue);
                    Run(conditional.WhenFalse);
                    branch--;
                    return;

                case ILoopOperation loop:
                    // Twice, so that what one iteration assigns reaches the next.
                    branch++;
                    for (int pass = 0; pass < 2; pass++)
                    {
                        foreach (IOperation part in loop.ChildOperations)
                        {
                            Run(part);
                        }
                    }

                    branch--;
                    return;

                default:
                    Statement(statement);
                    return;
            }
        }

        private void Statement(IOperation expression)
        {
            switch (expression)
            {
                case ISimpleAssignmentOperation { Target: var target, Value: var value } when LocalSymbol(target) is { } local:
                    Assign(local, Eval(value));
                    return;

                case ICompoundAssignmentOperation { Target: var target, Value: var value } when LocalSymbol(target) is { } local:
                    Assign(local, Eval(target).Or(Eval(value)));
                    return;

                default:
                    Eval(expression);
                    return;
            }
        }

        /// <summary>A rebinding; inside a branch or a loop the earlier value may still be the one that flows on.</summary>
        private void Assign(ISymbol local, Flow flow) =>
            locals[local] = branch > 0 && locals.TryGetValue(local, out Flow? earlier) ? earlier.Or(flow) : flow;

        private Flow Eval(IOperation? operation)
        {
            switch (operation)
            {
                case null:
                    return Flow.None;

                case ILocalReferenceOperation { Local: var local }:
                    return locals.TryGetValue(local, out Flow? known) ? known : Flow.None;

                case IParameterReferenceOperation { Parameter: var parameter }:
                    return locals.TryGetValue(parameter, out Flow? bound) ? bound : Flow.None; // Forward's inputs: not the model's parameters

                case IFieldReferenceOperation or IPropertyReferenceOperation when operation is IMemberReferenceOperation { Member: var member, Instance: var instance }
                    && !member.IsStatic && IsMemberOf(member, model) && IsTensor(operation.Type!):
                    return Eval(instance).Or(new Flow(!IsBuffer(member), []));

                case IInvocationOperation call:
                    return Call(call);

                case IBinaryOperation { OperatorKind: BinaryOperatorKind.Equals or BinaryOperatorKind.NotEquals or BinaryOperatorKind.LessThan or BinaryOperatorKind.LessThanOrEqual or BinaryOperatorKind.GreaterThan or BinaryOperatorKind.GreaterThanOrEqual }:
                    return Children(operation).WithTrainable(false); // a comparison has no gradient, by design (a mask)

                case IAnonymousFunctionOperation:
                    return Flow.None;

                default:
                    return Children(operation);
            }
        }

        private Flow Children(IOperation operation)
        {
            Flow flow = Flow.None;
            foreach (IOperation child in operation.ChildOperations)
            {
                flow = flow.Or(Eval(child));
            }

            return flow;
        }

        private Flow Call(IInvocationOperation call)
        {
            Flow receiver = Eval(call.Instance);
            Flow arguments = Flow.None;
            foreach (IArgumentOperation argument in call.Arguments)
            {
                arguments = arguments.Or(Eval(argument.Value));
            }

            IMethodSymbol method = call.TargetMethod;
            if (call.Instance is { Type: { } receiverType } && IsTensor(receiverType))
            {
                if (CutReason(call) is { } reason)
                {
                    if (!receiver.Trainable || noGrad > 0)
                    {
                        return receiver.Or(arguments).WithTrainable(false); // nothing trainable to cut, or cut on purpose
                    }

                    reasons[call] = reason;
                    return new Flow(false, [call]).Or(receiver).WithTrainable(false).Or(arguments.WithTrainable(false));
                }

                if (method.Name is "Gt" or "Lt" or "Ge" or "Le" or "Eq" or "Ne")
                {
                    return receiver.Or(arguments).WithTrainable(false);
                }
            }

            if (method.Name == "Forward" && call.Instance is IMemberReferenceOperation { Member: var member } && IsMemberOf(member, model) && HasParameters(call.Instance.Type, 0))
            {
                return receiver.Or(arguments).WithTrainable(true);
            }

            return receiver.Or(arguments);
        }

        /// <summary>Why a call on a tensor cuts the gradient, or null when it does not.</summary>
        private static string? CutReason(IInvocationOperation call) => call.TargetMethod.Name switch
        {
            "Detach" => "Detach() returns a tensor without a gradient",
            "Argmax" or "Argmin" => $"{call.TargetMethod.Name.ToLowerInvariant()} returns indices, which have no gradient",
            "Item" => "Item() turns the tensor into a plain number, which has no gradient",
            "Long" => "a conversion to Int64 has no gradient",
            "Bool" => "a conversion to Bool has no gradient",
            "To" when call.Arguments.Length == 1 && call.Arguments[0].Value is IFieldReferenceOperation { Field: { ContainingType.Name: "DType", Name: var dtype } }
                && dtype is not ("Float32" or "Float64") => $"a conversion to {dtype} has no gradient",
            _ => null,
        };
    }

    /// <summary>True when the member is marked [Buffer] (on a property, possibly through its backing field).</summary>
    private static bool IsBuffer(ISymbol member) =>
        member.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == ModelParser.BufferAttributeName)
        || (member is IFieldSymbol { AssociatedSymbol: IPropertySymbol property } && IsBuffer(property))
        || (member is IPropertySymbol withField && withField.ContainingType.GetMembers().OfType<IFieldSymbol>()
            .Any(f => SymbolEqualityComparer.Default.Equals(f.AssociatedSymbol, withField) && f.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == ModelParser.BufferAttributeName)));

    /// <summary>
    /// True for a module type with trainable parameters: a built-in layer that has weights, or a [Model]
    /// class of the project with a parameter tensor or such a layer. Containers and unknown modules: false.
    /// </summary>
    private static bool HasParameters(ITypeSymbol? type, int depth)
    {
        if (type is not INamedTypeSymbol named || depth > MaxInlineDepth)
        {
            return false;
        }

        if (named.ContainingNamespace is { Name: "DeepGen", ContainingNamespace.IsGlobalNamespace: true })
        {
            return named.Name is "Linear" or "Conv2d" or "BatchNorm1d" or "BatchNorm2d" or "LayerNorm" or "Embedding" or "MultiheadAttention";
        }

        if (!ModelGenerator.IsModelClass(named))
        {
            return false;
        }

        foreach (ISymbol member in named.GetMembers())
        {
            if (member is IFieldSymbol { IsStatic: false, IsConst: false } field
                && (IsTensor(field.Type) ? !IsBuffer(field) : IsModuleType(field.Type) && HasParameters(field.Type, depth + 1)))
            {
                return true;
            }
        }

        return false;
    }
}
