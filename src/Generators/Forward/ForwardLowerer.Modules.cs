using DeepGen.Fusion;
using DeepGen.Fusion.Ir;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace DeepGen.Generators;

// Members of the model: tensor parameters and buffers, values set once at construction, built-in
// layers (whose parameter shapes come from the arguments they are created with), sub-models and helper methods.
internal sealed partial class ForwardLowerer
{
    private int inlineDepth;

    /// <summary>A tensor field or property of the model: a parameter, or a buffer when marked [Buffer].</summary>
    private Value TensorMember(ISymbol member, ModelScope scope, SyntaxNode use)
    {
        string state = scope.StatePrefix + RegisteredName(member.Name);
        if (parametersByState.TryGetValue(state, out Value known))
        {
            return known;
        }

        bool isBuffer = IsBuffer(member);
        TensorType type = TensorFieldType(member, scope)
            ?? throw Break(use, $"the tensor '{member.Name}'", "has a shape the compiler cannot tell: create it with Tensor.Zeros, Ones, Rand or Randn and sizes known at build time");
        bool mayBeNull = TypeOfMember(member).NullableAnnotation == NullableAnnotation.Annotated;
        string? access = MemberAccess(scope, member);
        return AddParameter(state, access ?? scope.AccessPrefix + member.Name, type, isBuffer, mayBeNull, crossesModel: access is null);
    }

    private Value AddParameter(string state, string access, TensorType type, bool isBuffer, bool mayBeNull, bool crossesModel)
    {
        if (parametersByState.TryGetValue(state, out Value known))
        {
            return known;
        }

        Value value = builder.Parameter(state, access, type, isBuffer);
        parametersByState[state] = value;
        parameters.Add(new ForwardParameter(value.Node, state, access, isBuffer, mayBeNull, crossesModel));
        return value;
    }

    /// <summary>The type of a tensor member created as <c>Tensor.Zeros(...)</c>, <c>Ones</c>, <c>Rand</c>, <c>Randn</c> or <c>Full</c> (optionally <c>.RequiresGrad_()</c>).</summary>
    private TensorType? TensorFieldType(ISymbol member, ModelScope scope)
    {
        IOperation? creation = Creation(member, scope.Type);
        while (creation is IInvocationOperation { TargetMethod.Name: "RequiresGrad_", Instance: { } inner })
        {
            creation = inner;
        }

        if (creation is not IInvocationOperation { TargetMethod: { IsStatic: true, Name: "Zeros" or "Ones" or "Rand" or "Randn" or "Full" } factory } call
            || !IsTensor(factory.ContainingType)
            || !Has(call, "shape"))
        {
            return null;
        }

        var frame = new Frame(scope, ".ctor", isConstructor: true);
        Operand shape = Lower(Arg(call, "shape"), frame);
        IReadOnlyList<Operand> items = shape is ListOperand list ? list.Items : [shape];
        Dim[] dims = items.Select(item => item is SizeOperand size ? size.Size.ToDim() : Dim.Unknown).ToArray();
        ScalarType dtype = Has(call, "dtype") && Lower(Arg(call, "dtype"), frame) is TextOperand { Value: { } name } ? ScalarTypeOf(name) : ScalarType.Float32;
        return new TensorType(dtype, dims.ToEquatableArray());
    }

    /// <summary>A non-tensor member's value if it is set once, at construction, to something known at build time; else null.</summary>
    private Operand? TryMemberValue(ISymbol member, ModelScope scope)
    {
        bool setOnce = member switch
        {
            IFieldSymbol field => field.IsReadOnly || field.IsConst,
            IPropertySymbol property => property.SetMethod is null or { IsInitOnly: true } && IsAutoProperty(property),
            _ => false,
        };
        if (!setOnce || Creation(member, scope.Type) is not { } value)
        {
            return null;
        }

        return Lower(value, new Frame(scope, ".ctor", isConstructor: true));
    }

    /// <summary>
    /// What a member is created with: its initializer, or else its single assignment in the constructors
    /// (the value, with conversions removed); null when there is none or more than one.
    /// </summary>
    private IOperation? Creation(ISymbol member, INamedTypeSymbol type)
    {
        foreach (SyntaxReference reference in member.DeclaringSyntaxReferences)
        {
            SyntaxNode syntax = reference.GetSyntax(cancellationToken);
            EqualsValueClauseSyntax? initializer = syntax switch
            {
                VariableDeclaratorSyntax declarator => declarator.Initializer,
                PropertyDeclarationSyntax property => property.Initializer,
                _ => null,
            };
            if (initializer is not null && Model(syntax.SyntaxTree).GetOperation(initializer, cancellationToken) is ISymbolInitializerOperation { Value: var value })
            {
                return WithoutConversions(value);
            }
        }

        var assigned = new List<IOperation>();
        foreach (IMethodSymbol constructor in type.InstanceConstructors)
        {
            foreach (SyntaxReference reference in constructor.DeclaringSyntaxReferences)
            {
                if (reference.GetSyntax(cancellationToken) is not ConstructorDeclarationSyntax declaration
                    || Model(declaration.SyntaxTree).GetOperation(declaration, cancellationToken) is not { } body)
                {
                    continue;
                }

                foreach (ISimpleAssignmentOperation assignment in body.DescendantsAndSelf().OfType<ISimpleAssignmentOperation>())
                {
                    ISymbol? target = assignment.Target switch
                    {
                        IFieldReferenceOperation field => field.Field,
                        IPropertyReferenceOperation property => property.Property,
                        _ => null,
                    };
                    if (SymbolEqualityComparer.Default.Equals(target, member))
                    {
                        assigned.Add(WithoutConversions(assignment.Value));
                    }
                }
            }
        }

        return assigned.Count == 1 ? assigned[0] : null;
    }

    /// <summary>A call to a sub-module's <c>Forward</c>: a built-in layer, or another [Model] class of this compilation (inlined).</summary>
    private Operand ModuleForward(ModuleOperand module, IInvocationOperation call, Frame frame)
    {
        if (IsDeepGenType(module.Type, "Sequential") && call.Arguments.Length == 1 && module.Element is null && !module.IsListElement)
        {
            return SequentialForward(module, call, frame);
        }

        if (module.Type is INamedTypeSymbol named && IsBuiltInLayer(named) && call.Arguments.Length == 1)
        {
            IObjectCreationOperation creation = LayerCreation(module, call);
            Value input = Tensor(call.Arguments[0].Value, frame);
            return new TensorOperand(Layer(named.Name, module, creation, input, call.Syntax));
        }

        if (module.Type is INamedTypeSymbol model
            && ModelGenerator.IsModelClass(model)
            && model.DeclaringSyntaxReferences.Length > 0
            && !model.IsGenericType
            && FindForward(model) is { } forward
            && SymbolEqualityComparer.Default.Equals(forward, call.TargetMethod))
        {
            return SubModel(module, model, forward, call, frame, input: null);
        }

        string why = module.Type is ITypeParameterSymbol
            ? "calls a module whose type is a type parameter, known only at run time"
            : $"calls a module of type '{module.Type.Name}', which is neither a built-in layer nor a [Model] class of this project";
        throw Break(call.Syntax, $"`{Short(call.Syntax)}`", why);
    }

    /// <param name="input">For a model listed in a Sequential: the tensor its Forward gets (else the call's arguments).</param>
    private Operand SubModel(ModuleOperand module, INamedTypeSymbol model, IMethodSymbol forward, IInvocationOperation call, Frame frame, Value? input)
    {
        if (frame.Model.Depth + 1 > MaxInlineDepth)
        {
            throw Break(call.Syntax, $"`{Short(call.Syntax)}`", $"nests sub-models more than {MaxInlineDepth} deep");
        }

        var arguments = new Dictionary<IParameterSymbol, Operand>(SymbolEqualityComparer.Default);
        if (!module.IsListElement)
        {
            if ((module.Element?.Creation ?? Creation(module.Member, module.Owner.Type)) is not IObjectCreationOperation creation
                || !SymbolEqualityComparer.Default.Equals(creation.Type, model))
            {
                throw Break(call.Syntax, $"the sub-model '{module.Member.Name}'", "is not created with `new` once, in its initializer or a constructor");
            }

            var constructorFrame = new Frame(module.Owner, ".ctor", isConstructor: true);
            foreach (IArgumentOperation argument in creation.Arguments)
            {
                if (argument.Parameter is { } parameter)
                {
                    arguments[parameter] = Lower(argument.Value, constructorFrame);
                }
            }
        }

        string name = module.Member.Name;
        string access = module.Element?.Access ?? MemberAccess(module.Owner, module.Member)
            ?? throw Break(call.Syntax, $"the sub-model '{name}'", "is a member the compiled code cannot name (of a private or protected type)");
        var scope = new ModelScope(
            model,
            module.Owner.StatePrefix + (module.Element?.State ?? RegisteredName(name)) + ".",
            access + ".",
            arguments,
            module.Owner.Depth + 1);
        var inner = new Frame(scope, model.Name + ".Forward");
        if (input is not null)
        {
            inner.Locals[forward.Parameters[0]] = new TensorOperand(input);
        }
        else
        {
            foreach (IArgumentOperation argument in call.Arguments)
            {
                inner.Locals[argument.Parameter!] = Lower(argument.Value, frame);
            }
        }

        try
        {
            return RunBody(forward, inner);
        }
        catch (GraphBreakException inside) when (!frame.Model.IsInlined)
        {
            // The sub-model's own DG0006 is at the construct; this model's is at its call, so each is reported once, where it can be acted on.
            throw Break(call.Syntax, $"`{Short(call.Syntax)}`", $"inlines {model.Name}.Forward, which cannot be compiled: {inside.Reason}");
        }
    }

    /// <summary>A call to a method of the model itself (a helper that returns a tensor): its body is inlined.</summary>
    private Operand Helper(IInvocationOperation call, Frame frame)
    {
        if (inlineDepth >= MaxInlineDepth || call.TargetMethod.IsVirtual || call.TargetMethod.IsAbstract || call.TargetMethod.IsOverride)
        {
            throw Break(call.Syntax, $"the call to '{call.TargetMethod.Name}'", inlineDepth >= MaxInlineDepth ? "recurses too deep to inline" : "may be overridden, so the compiler cannot inline it");
        }

        var inner = new Frame(frame.Model, frame.Model.Type.Name + "." + call.TargetMethod.Name);
        foreach (IArgumentOperation argument in call.Arguments)
        {
            inner.Locals[argument.Parameter!] = Lower(argument.Value, frame);
        }

        inlineDepth++;
        try
        {
            return RunBody(call.TargetMethod, inner);
        }
        finally
        {
            inlineDepth--;
        }
    }

    /// <summary>
    /// <c>body.Forward(x)</c> on a <c>Sequential</c> field created once as <c>new Sequential(layer, layer, ...)</c>
    /// of built-in layers and [Model] blocks with a one-tensor Forward: each module in order (a block inlined),
    /// its parameters named <c>body.0.weight</c> and read through <c>((DeepGen.Linear)body[0]).Weight</c>, as the
    /// runtime registers them.
    /// </summary>
    private Operand SequentialForward(ModuleOperand module, IInvocationOperation call, Frame frame)
    {
        string name = module.Member.Name;
        if (Creation(module.Member, module.Owner.Type) is not IObjectCreationOperation creation)
        {
            throw Break(call.Syntax, $"the Sequential '{name}'", "is not created with `new` once, in its initializer or a constructor, so its layers are not known");
        }

        IArgumentOperation? modules = creation.Arguments.FirstOrDefault(a => a.ArgumentKind == ArgumentKind.ParamArray);
        if (modules?.Value is not IArrayCreationOperation { Initializer: { } layers })
        {
            throw Break(call.Syntax, $"the Sequential '{name}'", "is not created from its layers listed in `new Sequential(...)`, so they are not known");
        }

        string sequence = MemberAccess(module.Owner, module.Member)
            ?? throw Break(call.Syntax, $"the Sequential '{name}'", "is a member the compiled code cannot name");
        Value x = Tensor(call.Arguments[0].Value, frame);
        for (int i = 0; i < layers.ElementValues.Length; i++)
        {
            if (WithoutConversions(layers.ElementValues[i]) is not IObjectCreationOperation { Type: INamedTypeSymbol type } element)
            {
                throw Break(call.Syntax, $"the Sequential '{name}'", $"holds, as module {i}, `{Short(layers.ElementValues[i].Syntax)}`, not a module created there");
            }

            string index = i.ToString(System.Globalization.CultureInfo.InvariantCulture);
            var listed = new ModuleOperand(module.Member, type, module.Owner)
            {
                Element = new ListedModule(RegisteredName(name) + "." + index, $"(({type.ToDisplayString()}){sequence}[{index}])", element),
            };
            if (IsBuiltInLayer(type))
            {
                x = Layer(type.Name, listed, element, x, call.Syntax);
            }
            else if (ModelGenerator.IsModelClass(type)
                && !type.IsGenericType && FindForward(type) is { Parameters.Length: 1 } forward)
            {
                x = AsTensor(SubModel(listed, type, forward, call, frame, x), call.Syntax, $"the output of {name}'s module {i}");
            }
            else
            {
                throw Break(call.Syntax, $"the Sequential '{name}'", $"holds, as module {i}, a {type.Name}, which is neither a built-in layer nor a [Model] class with a one-tensor Forward");
            }
        }

        return new TensorOperand(x);
    }

    private IObjectCreationOperation LayerCreation(ModuleOperand module, IInvocationOperation call) =>
        Creation(module.Member, module.Owner.Type) as IObjectCreationOperation
        ?? throw Break(call.Syntax, $"the layer '{module.Member.Name}'", "is not created with `new` once, in its initializer or a constructor, so its parameters' shapes are not known");

    private static IOperation WithoutConversions(IOperation operation)
    {
        while (operation is IConversionOperation { IsImplicit: true } conversion)
        {
            operation = conversion.Operand;
        }

        return operation;
    }

    private static bool IsAutoProperty(IPropertySymbol property) =>
        property.ContainingType.GetMembers().OfType<IFieldSymbol>().Any(f => SymbolEqualityComparer.Default.Equals(f.AssociatedSymbol, property));

    private static ITypeSymbol TypeOfMember(ISymbol member) => member switch
    {
        IFieldSymbol field => field.Type,
        IPropertySymbol property => property.Type,
        _ => throw new ArgumentException($"'{member.Name}' is not a field or property.", nameof(member)),
    };

    private static string RegisteredName(string name) => ModelParser.RegisteredName(name);

    private static ScalarType ScalarTypeOf(string dtypeName) => dtypeName switch
    {
        "Float64" => ScalarType.Float64,
        "Int64" => ScalarType.Int64,
        "Bool" => ScalarType.Bool,
        _ => ScalarType.Float32,
    };
}
