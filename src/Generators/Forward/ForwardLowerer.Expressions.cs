using DeepGen.Fusion;
using DeepGen.Fusion.Ir;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace DeepGen.Generators;

// Expressions: locals, members, literals and folded arithmetic, operators on tensors.
internal sealed partial class ForwardLowerer
{
    private Operand Lower(IOperation operation, Frame frame)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (operation is IFieldReferenceOperation { Field.ContainingType.TypeKind: TypeKind.Enum } enumMember)
        {
            return new TextOperand(enumMember.Field.Name);
        }

        if (operation is { Type.TypeKind: TypeKind.Enum, ConstantValue: { HasValue: true, Value: { } enumValue } })
        {
            // an omitted enum argument comes as its default's underlying value: name the member it stands for
            IFieldSymbol? named = operation.Type.GetMembers().OfType<IFieldSymbol>().FirstOrDefault(f => f.HasConstantValue && Equals(f.ConstantValue, enumValue));
            return new TextOperand(named?.Name);
        }

        if (operation.ConstantValue.HasValue)
        {
            return Constant(operation.ConstantValue.Value, operation);
        }

        switch (operation)
        {
            case IDefaultValueOperation { Type: var type }:
                return type is null || type.IsReferenceType || type.OriginalDefinition.SpecialType == SpecialType.System_Nullable_T
                    ? new TextOperand(null)
                    : type.SpecialType == SpecialType.System_Boolean ? new BoolOperand(false)
                    : type.SpecialType is SpecialType.System_Double or SpecialType.System_Single ? new NumberOperand(0)
                    : new SizeOperand(SizeExpr.Of(0));

            case IConversionOperation conversion:
                return Convert(Lower(conversion.Operand, frame), conversion.Type, conversion);

            case IParenthesizedOperation parenthesized:
                return Lower(parenthesized.Operand, frame);

            case ILocalReferenceOperation local:
                return frame.Locals.TryGetValue(local.Local, out Operand? bound)
                    ? bound
                    : throw Break(operation.Syntax, $"the local '{local.Local.Name}'", "is read before the compiler could give it a value");

            case IParameterReferenceOperation parameter:
                return frame.Locals.TryGetValue(parameter.Parameter, out Operand? argument) ? argument : ConstructorParameter(parameter.Parameter, frame.Model);

            case IFieldReferenceOperation { Instance: null or IInstanceReferenceOperation } field:
                return MemberValue(field.Field, field.Field.Type, field.Syntax, frame);

            case IPropertyReferenceOperation { Instance: null or IInstanceReferenceOperation, Property.IsIndexer: false } property:
                return MemberValue(property.Property, property.Property.Type, property.Syntax, frame);

            case IPropertyReferenceOperation property when property.Instance is { Type: { } instanceType } && IsTensor(instanceType):
                return TensorProperty(property, frame);

            case IPropertyReferenceOperation { Property.IsIndexer: true, Instance: IPropertyReferenceOperation { Property.Name: "Shape" } shape } indexer
                when shape.Instance?.Type is { } tensorType && IsTensor(tensorType):
                return SizeOf(Tensor(shape.Instance!, frame), indexer.Arguments[0].Value, indexer.Syntax, frame, "Shape");

            case IInvocationOperation call:
                return Call(call, frame);

            case IBinaryOperation binary:
                return Binary(binary.OperatorKind, binary.OperatorMethod, Lower(binary.LeftOperand, frame), Lower(binary.RightOperand, frame), binary.Syntax);

            case IUnaryOperation unary:
                return Unary(unary, Lower(unary.Operand, frame));

            case IConditionalOperation { WhenFalse: { } whenFalse } conditional when BranchChoice(conditional.Condition, frame) is { } choice:
                return LowerBothValues(conditional, choice.Choice, choice.WhenTrueIsFirst, whenFalse, frame);

            case IConditionalOperation { WhenFalse: { } whenFalse } conditional:
                return ConditionValue(conditional.Condition, frame, conditional.Syntax) ? Lower(conditional.WhenTrue, frame) : Lower(whenFalse, frame);

            case IArrayCreationOperation { Initializer: { } initializer }:
                return new ListOperand(initializer.ElementValues.Select(e => Lower(e, frame)).ToList());

            case ICollectionExpressionOperation collection when collection.Elements.All(e => e is not ISpreadOperation):
                return new ListOperand(collection.Elements.Select(e => Lower(e, frame)).ToList());

            case IAnonymousFunctionOperation or IDelegateCreationOperation:
                throw Break(operation.Syntax, "the lambda", "is not compiled; the graph holds tensor operations only");

            case IObjectCreationOperation creation:
                throw Break(operation.Syntax, $"`new {creation.Type?.Name}(...)`", "creates an object inside Forward, which the compiled graph cannot do");

            default:
                throw Break(operation.Syntax, $"`{Short(operation.Syntax)}`", $"is a kind of expression the compiler does not understand ({operation.Kind})");
        }
    }

    private static Operand Constant(object? value, IOperation operation) => value switch
    {
        null => new TextOperand(null),
        bool b => new BoolOperand(b),
        string s => new TextOperand(s),
        double d => new NumberOperand(d),
        float f => new NumberOperand(f),
        decimal m => new NumberOperand((double)m),
        int or long or short or sbyte or byte or ushort or uint or char => new SizeOperand(SizeExpr.Of(System.Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture))),
        _ => new UnknownOperand($"the constant `{Short(operation.Syntax)}`"),
    };

    private static Operand Convert(Operand operand, ITypeSymbol? target, IOperation conversion)
    {
        switch (target?.SpecialType)
        {
            case SpecialType.System_Double or SpecialType.System_Single:
                return operand switch
                {
                    SizeOperand { Size.IsConstant: true } size => new NumberOperand(size.Size.Offset),
                    SizeOperand => new UnknownOperand($"the size `{Short(conversion.Syntax)}` as a number (a size known only at run time)"),
                    _ => operand,
                };
            case SpecialType.System_Int32 or SpecialType.System_Int64 when operand is NumberOperand number:
                return new SizeOperand(SizeExpr.Of((long)number.Value)); // an explicit cast truncates, as C# does
            default:
                return operand;
        }
    }

    /// <summary>A constructor parameter: in the top-level model, a whole number is the symbolic dimension named after it.</summary>
    private static Operand ConstructorParameter(IParameterSymbol parameter, ModelScope scope)
    {
        if (scope.ConstructorArguments is { } arguments)
        {
            return arguments.TryGetValue(parameter, out Operand? value) ? value : new UnknownOperand($"the constructor parameter '{parameter.Name}'");
        }

        bool isConstructor = parameter.ContainingSymbol is IMethodSymbol { MethodKind: MethodKind.Constructor } constructor
            && SymbolEqualityComparer.Default.Equals(constructor.ContainingType, scope.Type);
        if (isConstructor && parameter.Type.SpecialType is SpecialType.System_Int32 or SpecialType.System_Int64 && ShapeSpec.IsName(parameter.Name))
        {
            return new SizeOperand(SizeExpr.Of(Dim.Of(parameter.Name)));
        }

        return new UnknownOperand($"the constructor parameter '{parameter.Name}', which is known only at run time");
    }

    /// <summary>A field or property of the model: a parameter, a sub-module, or a value set once at construction.</summary>
    private Operand MemberValue(ISymbol member, ITypeSymbol type, SyntaxNode syntax, Frame frame)
    {
        if (member is IPropertySymbol { Name: "Training" } training && IsModuleType(training.ContainingType))
        {
            return new UnknownOperand(TrainingInCondition);
        }

        if (!member.IsStatic && !IsMemberOf(member, frame.Model.Type))
        {
            return new UnknownOperand($"the member '{member.Name}' of another type");
        }

        if (IsTensor(type) && member.IsStatic)
        {
            throw Break(syntax, $"the static tensor '{member.Name}'", "is not a parameter or buffer of the model; static tensors are not compiled yet");
        }

        if (IsTensor(type))
        {
            return frame.IsConstructor ? new UnknownOperand($"the tensor '{member.Name}'") : new TensorOperand(TensorMember(member, frame.Model, syntax));
        }

        if (IsModuleType(type))
        {
            return new ModuleOperand(member, type, frame.Model);
        }

        return TryMemberValue(member, frame.Model) ?? new UnknownOperand($"the member '{member.Name}', which is not set once at construction");
    }

    private Operand Binary(BinaryOperatorKind kind, IMethodSymbol? method, Operand left, Operand right, SyntaxNode syntax)
    {
        if (left is TensorOperand || right is TensorOperand || (method is not null && IsTensor(method.ContainingType)))
        {
            string? op = kind switch
            {
                BinaryOperatorKind.Add => "add",
                BinaryOperatorKind.Subtract => "sub",
                BinaryOperatorKind.Multiply => "mul",
                BinaryOperatorKind.Divide => "div",
                BinaryOperatorKind.LessThan => "lt",
                BinaryOperatorKind.GreaterThan => "gt",
                BinaryOperatorKind.LessThanOrEqual => "le",
                BinaryOperatorKind.GreaterThanOrEqual => "ge",
                _ => null,
            };
            if (op is null)
            {
                throw Break(syntax, $"the operator in `{Short(syntax)}`", "has no compiled form yet");
            }

            Value a = TensorOrScalar(left, right, syntax);
            Value b = TensorOrScalar(right, left, syntax);
            return new TensorOperand(Emit(op, [a, b], null, syntax));
        }

        if (left is UnknownOperand unknownLeft)
        {
            return unknownLeft;
        }

        if (right is UnknownOperand unknownRight)
        {
            return unknownRight;
        }

        if (left is SizeOperand { Size: var x } && right is SizeOperand { Size: var y })
        {
            return SizeArithmetic(kind, x, y, syntax);
        }

        if (left is BoolOperand p && right is BoolOperand q)
        {
            return kind switch
            {
                BinaryOperatorKind.ConditionalAnd or BinaryOperatorKind.And => new BoolOperand(p.Value && q.Value),
                BinaryOperatorKind.ConditionalOr or BinaryOperatorKind.Or => new BoolOperand(p.Value || q.Value),
                BinaryOperatorKind.Equals => new BoolOperand(p.Value == q.Value),
                BinaryOperatorKind.NotEquals or BinaryOperatorKind.ExclusiveOr => new BoolOperand(p.Value != q.Value),
                _ => new UnknownOperand($"`{Short(syntax)}`"),
            };
        }

        if (Number(left) is double u && Number(right) is double v)
        {
            return kind switch
            {
                BinaryOperatorKind.Add => new NumberOperand(u + v),
                BinaryOperatorKind.Subtract => new NumberOperand(u - v),
                BinaryOperatorKind.Multiply => new NumberOperand(u * v),
                BinaryOperatorKind.Divide => new NumberOperand(u / v),
                BinaryOperatorKind.LessThan => new BoolOperand(u < v),
                BinaryOperatorKind.GreaterThan => new BoolOperand(u > v),
                BinaryOperatorKind.LessThanOrEqual => new BoolOperand(u <= v),
                BinaryOperatorKind.GreaterThanOrEqual => new BoolOperand(u >= v),
                BinaryOperatorKind.Equals => new BoolOperand(u == v),
                BinaryOperatorKind.NotEquals => new BoolOperand(u != v),
                _ => new UnknownOperand($"`{Short(syntax)}`"),
            };
        }

        return new UnknownOperand($"`{Short(syntax)}`, a value known only at run time");
    }

    private static Operand SizeArithmetic(BinaryOperatorKind kind, SizeExpr x, SizeExpr y, SyntaxNode syntax)
    {
        bool constant = x.IsConstant && y.IsConstant;
        switch (kind)
        {
            case BinaryOperatorKind.Add:
                return new SizeOperand(x + y);
            case BinaryOperatorKind.Subtract:
                return new SizeOperand(x - y);
            case BinaryOperatorKind.Multiply:
                return new SizeOperand(x * y);
            case BinaryOperatorKind.Divide:
                return new SizeOperand(y.IsConstant && y.Offset == 0 ? SizeExpr.Unknown : x / y);
            case BinaryOperatorKind.Remainder when constant && y.Offset != 0:
                return new SizeOperand(SizeExpr.Of(x.Offset % y.Offset));
        }

        if (constant)
        {
            long a = x.Offset, b = y.Offset;
            switch (kind)
            {
                case BinaryOperatorKind.LessThan: return new BoolOperand(a < b);
                case BinaryOperatorKind.GreaterThan: return new BoolOperand(a > b);
                case BinaryOperatorKind.LessThanOrEqual: return new BoolOperand(a <= b);
                case BinaryOperatorKind.GreaterThanOrEqual: return new BoolOperand(a >= b);
                case BinaryOperatorKind.Equals: return new BoolOperand(a == b);
                case BinaryOperatorKind.NotEquals: return new BoolOperand(a != b);
            }
        }

        if (kind is BinaryOperatorKind.Equals && x == y)
        {
            return new BoolOperand(true);
        }

        return new UnknownOperand($"`{Short(syntax)}`, which depends on a size known only at run time");
    }

    private Operand Unary(IUnaryOperation unary, Operand operand)
    {
        switch (unary.OperatorKind, operand)
        {
            case (UnaryOperatorKind.Plus, _):
                return operand;
            case (UnaryOperatorKind.Minus, TensorOperand tensor):
                return new TensorOperand(Emit("neg", [tensor.Value], null, unary.Syntax));
            case (UnaryOperatorKind.Minus, SizeOperand size):
                return new SizeOperand(-size.Size);
            case (UnaryOperatorKind.Minus, NumberOperand number):
                return new NumberOperand(-number.Value);
            case (UnaryOperatorKind.Not, BoolOperand b):
                return new BoolOperand(!b.Value);
            case (_, UnknownOperand unknown):
                return unknown;
            default:
                throw Break(unary.Syntax, $"the operator in `{Short(unary.Syntax)}`", "has no compiled form yet");
        }
    }

    private static double? Number(Operand operand) => operand switch
    {
        NumberOperand n => n.Value,
        SizeOperand { Size.IsConstant: true } s => s.Size.Offset,
        _ => null,
    };

    /// <summary><paramref name="operand"/> as a tensor; a number becomes a 0-d constant of <paramref name="other"/>'s floating type.</summary>
    private Value TensorOrScalar(Operand operand, Operand other, SyntaxNode syntax)
    {
        if (operand is TensorOperand tensor)
        {
            return tensor.Value;
        }

        if (Number(operand) is double value)
        {
            ScalarType dtype = other is TensorOperand t && builder.TypeOf(t.Value).DType == ScalarType.Float64 ? ScalarType.Float64 : ScalarType.Float32;
            return builder.Constant(value, dtype);
        }

        throw Break(syntax, $"`{Short(syntax)}`", operand is UnknownOperand unknown ? $"uses {unknown.What}" : "mixes a tensor with a value the compiler cannot turn into a constant");
    }

    private Value AsTensor(Operand operand, SyntaxNode syntax, string what) => operand switch
    {
        TensorOperand tensor => tensor.Value,
        UnknownOperand unknown => throw Break(syntax, what, $"uses {unknown.What}"),
        _ => throw Break(syntax, what, "is not a tensor"),
    };

    private Value Tensor(IOperation operation, Frame frame) => AsTensor(Lower(operation, frame), operation.Syntax, $"`{Short(operation.Syntax)}`");

    /// <summary>Appends an op; a shape rule that rejects its inputs is DG0007 at <paramref name="syntax"/>.</summary>
    private Value Emit(string op, IReadOnlyList<Value> inputs, Attrs? attrs, SyntaxNode syntax)
    {
        Value value;
        try
        {
            value = builder.Op(op, inputs, attrs, Span(syntax));
        }
        catch (ShapeException error)
        {
            throw new ShapeErrorException(syntax, error.Message);
        }

        nodeText[value.Node] = Short(syntax);
        return value;
    }

    private static SourceSpan Span(SyntaxNode node)
    {
        FileLinePositionSpan lines = node.GetLocation().GetLineSpan();
        return new SourceSpan(node.SyntaxTree.FilePath, node.Span.Start, node.Span.Length, lines.StartLinePosition.Line, lines.StartLinePosition.Character);
    }

    /// <summary>The construct's text on one line, shortened, for messages and the emitter's comments.</summary>
    private static string Short(SyntaxNode node)
    {
        string text = string.Join(" ", node.ToString().Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        return text.Length <= 80 ? text : text.Substring(0, 77) + "...";
    }

    /// <summary>A graph break at <paramref name="node"/>: "<paramref name="what"/> at line N <paramref name="why"/>".</summary>
    private static GraphBreakException Break(SyntaxNode node, string what, string why, Location? location = null)
    {
        Location at = location ?? node.GetLocation();
        int line = at.GetLineSpan().StartLinePosition.Line + 1;
        return new GraphBreakException(node, $"{what} at line {line} {why}", at);
    }

    /// <summary>Where an <c>if</c> or a loop is reported: its header (<c>if (...)</c>, <c>for (...)</c>), not its whole body.</summary>
    private static Location HeaderLocation(SyntaxNode node)
    {
        (SyntaxToken first, SyntaxToken last) = node switch
        {
            IfStatementSyntax s => (s.IfKeyword, s.CloseParenToken),
            ForStatementSyntax s => (s.ForKeyword, s.CloseParenToken),
            ForEachStatementSyntax s => (s.ForEachKeyword, s.CloseParenToken),
            WhileStatementSyntax s => (s.WhileKeyword, s.CloseParenToken),
            ConditionalExpressionSyntax s => (s.Condition.GetFirstToken(), s.Condition.GetLastToken()),
            _ => (node.GetFirstToken(), node.GetLastToken()),
        };
        return Location.Create(node.SyntaxTree, Microsoft.CodeAnalysis.Text.TextSpan.FromBounds(first.SpanStart, last.Span.End));
    }

    private static bool IsTensor(ITypeSymbol type) => IsDeepGenType(type.WithNullableAnnotation(NullableAnnotation.NotAnnotated), "Tensor");

    /// <summary>True for the top-level type <c>DeepGen.{name}</c> (generic or not).</summary>
    private static bool IsDeepGenType(ITypeSymbol? type, string name) =>
        type is INamedTypeSymbol { ContainingType: null } named
        && named.Name == name
        && named.ContainingNamespace is { Name: "DeepGen", ContainingNamespace.IsGlobalNamespace: true };

    private static bool IsModuleType(ITypeSymbol? type)
    {
        if (type is ITypeParameterSymbol parameter)
        {
            return parameter.ConstraintTypes.Any(IsModuleType);
        }

        for (ITypeSymbol? t = type; t is not null; t = t.BaseType)
        {
            if (IsDeepGenType(t, "Module"))
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsMemberOf(ISymbol member, INamedTypeSymbol type)
    {
        for (INamedTypeSymbol? t = type; t is not null; t = t.BaseType)
        {
            if (SymbolEqualityComparer.Default.Equals(member.ContainingType, t))
            {
                return true;
            }
        }

        return false;
    }
}
