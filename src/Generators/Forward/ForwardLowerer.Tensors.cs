using DeepGen.Fusion;
using DeepGen.Fusion.Ir;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace DeepGen.Generators;

// Calls: DeepGen's F functions, Tensor's methods and properties, System.Math on constants, and the
// dispatch to modules and helper methods (ForwardLowerer.Modules.cs).
internal sealed partial class ForwardLowerer
{
    private static readonly Dictionary<string, string> UnaryMethods = new(StringComparer.Ordinal)
    {
        ["Relu"] = "relu", ["Silu"] = "silu", ["Tanh"] = "tanh", ["Sigmoid"] = "sigmoid", ["Exp"] = "exp", ["Log"] = "log",
        ["Sqrt"] = "sqrt", ["Rsqrt"] = "rsqrt", ["Abs"] = "abs", ["Neg"] = "neg", ["Contiguous"] = "contiguous",
    };

    private static readonly Dictionary<string, string> BinaryMethods = new(StringComparer.Ordinal)
    {
        ["Add"] = "add", ["Sub"] = "sub", ["Mul"] = "mul", ["Div"] = "div", ["Maximum"] = "maximum", ["Minimum"] = "minimum", ["Pow"] = "pow",
        ["Gt"] = "gt", ["Lt"] = "lt", ["Ge"] = "ge", ["Le"] = "le", ["Eq"] = "eq", ["Ne"] = "ne",
    };

    private Operand Call(IInvocationOperation call, Frame frame)
    {
        IMethodSymbol method = call.TargetMethod;
        if (method.ContainingType.SpecialType == SpecialType.None && method.ContainingType.ToDisplayString() == "System.Math")
        {
            return MathCall(call, frame);
        }

        if (frame.IsConstructor)
        {
            return new UnknownOperand($"the value of `{Short(call.Syntax)}`");
        }

        if (IsDeepGenType(method.ContainingType, "F"))
        {
            return new TensorOperand(Function(call, frame));
        }

        if (IsTensor(method.ContainingType))
        {
            return method.IsStatic ? new TensorOperand(TensorStatic(call, frame)) : TensorMethod(call, frame);
        }

        if (method.Name == "Forward" && call.Instance is not null && Lower(call.Instance, frame) is ModuleOperand module)
        {
            return ModuleForward(module, call, frame);
        }

        if ((call.Instance is null or IInstanceReferenceOperation) && IsMemberOf(method, frame.Model.Type) && method.DeclaringSyntaxReferences.Length > 0)
        {
            return Helper(call, frame);
        }

        throw Break(call.Syntax, $"the call to '{method.ContainingType.Name}.{method.Name}'", "is not an operation the compiler knows");
    }

    private Operand MathCall(IInvocationOperation call, Frame frame)
    {
        double[] args = new double[call.Arguments.Length];
        for (int i = 0; i < args.Length; i++)
        {
            Operand operand = Lower(call.Arguments[i].Value, frame);
            if (Number(operand) is not double value)
            {
                return operand is UnknownOperand unknown ? unknown : new UnknownOperand($"`{Short(call.Syntax)}`, a value known only at run time");
            }

            args[i] = value;
        }

        double? result = (call.TargetMethod.Name, args.Length) switch
        {
            ("Sqrt", 1) => Math.Sqrt(args[0]),
            ("Exp", 1) => Math.Exp(args[0]),
            ("Log", 1) => Math.Log(args[0]),
            ("Pow", 2) => Math.Pow(args[0], args[1]),
            ("Abs", 1) => Math.Abs(args[0]),
            ("Max", 2) => Math.Max(args[0], args[1]),
            ("Min", 2) => Math.Min(args[0], args[1]),
            _ => null,
        };
        if (result is null)
        {
            return new UnknownOperand($"`{Short(call.Syntax)}`");
        }

        return call.Type?.SpecialType is SpecialType.System_Int32 or SpecialType.System_Int64 ? new SizeOperand(SizeExpr.Of((long)result.Value)) : new NumberOperand(result.Value);
    }

    private Operand TensorMethod(IInvocationOperation call, Frame frame)
    {
        string name = call.TargetMethod.Name;
        Value self = Tensor(call.Instance!, frame);
        SyntaxNode syntax = call.Syntax;
        int rank = builder.TypeOf(self).Rank;

        if (UnaryMethods.TryGetValue(name, out string? unary))
        {
            return new TensorOperand(Emit(unary, [self], null, syntax));
        }

        if (BinaryMethods.TryGetValue(name, out string? binary))
        {
            Operand selfOperand = new TensorOperand(self);
            Operand other = Lower(call.Arguments[0].Value, frame);
            Value b = TensorOrScalar(other, selfOperand, call.Arguments[0].Syntax);
            if (Has(call, "alpha") && RealArg(call, "alpha", frame) is var alpha && alpha != 1)
            {
                b = Emit("mul", [b, builder.Constant(alpha, builder.TypeOf(self).DType)], null, syntax);
            }

            return new TensorOperand(Emit(binary, [self, b], null, syntax));
        }

        switch (name)
        {
            case "Narrow":
                Attrs range = Attrs.Empty.With("dim", DimArg(call, "dim", rank, frame)).With("start", IntArg(call, "start", frame)).With("length", IntArg(call, "length", frame));
                return new TensorOperand(Emit("narrow", [self], range, syntax));
            case "Detach":
                return new TensorOperand(Emit("detach", [self], null, syntax));
            case "Gelu":
                return new TensorOperand(Emit("gelu", [self], Attrs.Empty.With("approximate", TextArg(call, "approximate", frame)), syntax));
            case "Sum" or "Mean" or "Amax":
                return new TensorOperand(Emit(name.ToLowerInvariant(), [self], ReductionAttrs(call, rank, frame), syntax));
            case "Softmax" or "LogSoftmax":
                return new TensorOperand(Emit(name == "Softmax" ? "softmax" : "log_softmax", [self], Attrs.Empty.With("dim", DimArg(call, "dim", rank, frame)), syntax));
            case "MatMul":
                return new TensorOperand(Emit("matmul", [self, Tensor(Arg(call, "other"), frame)], null, syntax));
            case "Reshape" or "View":
                return new TensorOperand(Emit("reshape", [self], ReshapeAttrs(self, Lower(Arg(call, "newShape"), frame), syntax), syntax));
            case "Flatten":
                return new TensorOperand(Emit("flatten", [self], Attrs.Empty.With("start", DimArg(call, "startDim", rank, frame)).With("end", DimArg(call, "endDim", rank, frame)), syntax));
            case "Transpose":
                return new TensorOperand(Emit("transpose", [self], Attrs.Empty.With("dim0", DimArg(call, "dim0", rank, frame)).With("dim1", DimArg(call, "dim1", rank, frame)), syntax));
            case "Permute":
                return new TensorOperand(Emit("permute", [self], Attrs.Empty.With("dims", IntsArg(call, "dims", frame).Select(d => NormalizeDim(d, rank)).ToArray()), syntax));
            case "Unsqueeze":
                return new TensorOperand(Emit("unsqueeze", [self], Attrs.Empty.With("dim", DimArg(call, "dim", rank + 1, frame)), syntax));
            case "Squeeze" when Has(call, "dim"):
                return new TensorOperand(Emit("squeeze", [self], Attrs.Empty.With("dim", DimArg(call, "dim", rank, frame)), syntax));
            case "Size":
                return SizeOf(self, Arg(call, "dim"), syntax, frame, "Size");
            case "MaskedFill":
                Value mask = Tensor(Arg(call, "mask"), frame);
                Value fill = TensorOrScalar(Lower(Arg(call, "value"), frame), new TensorOperand(self), syntax);
                return new TensorOperand(Emit("where", [mask, fill, self], null, syntax));
            default:
                throw Break(syntax, $"the call to 'Tensor.{name}'", "is not an operation the compiler knows");
        }
    }

    private Value TensorStatic(IInvocationOperation call, Frame frame)
    {
        SyntaxNode syntax = call.Syntax;
        switch (call.TargetMethod.Name)
        {
            case "MatMul":
                return Emit("matmul", [Tensor(Arg(call, "a"), frame), Tensor(Arg(call, "b"), frame)], null, syntax);
            case "Where":
                Value condition = Tensor(Arg(call, "condition"), frame);
                Operand x = Lower(Arg(call, "x"), frame), y = Lower(Arg(call, "y"), frame);
                return Emit("where", [condition, TensorOrScalar(x, y, syntax), TensorOrScalar(y, x, syntax)], null, syntax);
            case "Cat" or "Stack":
                return Join(call, frame);
            default:
                throw Break(syntax, $"the call to 'Tensor.{call.TargetMethod.Name}'", "is not an operation the compiler knows (tensors made inside Forward are not compiled yet)");
        }
    }

    /// <summary>
    /// <c>Tensor.Cat</c> / <c>Tensor.Stack</c> of tensors listed in the code (params arguments, <c>[a, b]</c>,
    /// <c>new[] { a, b }</c>); the params overloads join on dim 0. A negative dim counts from the end of the
    /// first tensor's rank (cat) or of the result's (stack).
    /// </summary>
    private Value Join(IInvocationOperation call, Frame frame)
    {
        SyntaxNode syntax = call.Syntax;
        string name = call.TargetMethod.Name;
        IOperation list = Arg(call, "tensors");
        if (Lower(list, frame) is not ListOperand { Items.Count: > 0 } items)
        {
            throw Break(syntax, $"the tensors given to `Tensor.{name}`", "are not a list written in the code (params arguments, [a, b] or new[] { a, b })");
        }

        Value[] inputs = items.Items.Select(item => AsTensor(item, list.Syntax, $"an element of the tensors given to `Tensor.{name}`")).ToArray();
        int rank = builder.TypeOf(inputs[0]).Rank + (name == "Stack" ? 1 : 0);
        long dim = Has(call, "dim") ? DimArg(call, "dim", rank, frame) : 0;
        return Emit(name == "Cat" ? "cat" : "stack", inputs, Attrs.Empty.With("dim", dim), syntax);
    }

    private Operand TensorProperty(IPropertyReferenceOperation property, Frame frame)
    {
        Value self = Tensor(property.Instance!, frame);
        TensorType type = builder.TypeOf(self);
        switch (property.Property.Name)
        {
            case "T" when type.Rank < 2:
                return new TensorOperand(self);
            case "T" when type.Rank == 2:
                return new TensorOperand(Emit("transpose", [self], Attrs.Empty.With("dim0", 0L).With("dim1", 1L), property.Syntax));
            case "MT":
                return new TensorOperand(Emit("transpose", [self], Attrs.Empty.With("dim0", (long)type.Rank - 2).With("dim1", (long)type.Rank - 1), property.Syntax));
            case "Rank":
                return new SizeOperand(SizeExpr.Of(type.Rank));
            default:
                throw Break(property.Syntax, $"`{Short(property.Syntax)}`", $"reads Tensor.{property.Property.Name}, which the compiler does not know");
        }
    }

    /// <summary><c>x.Size(k)</c> or <c>x.Shape[k]</c>: the dimension as the graph knows it (constant or symbolic).</summary>
    private Operand SizeOf(Value tensor, IOperation index, SyntaxNode syntax, Frame frame, string what)
    {
        TensorType type = builder.TypeOf(tensor);
        if (Lower(index, frame) is not SizeOperand { Size.IsConstant: true } k)
        {
            throw Break(syntax, $"`{Short(syntax)}`", $"reads {what} at an index known only at run time");
        }

        long dim = NormalizeDim(k.Size.Offset, type.Rank);
        if (dim < 0 || dim >= type.Rank)
        {
            throw new ShapeErrorException(syntax, $"{what.ToLowerInvariant()}: dimension {k.Size.Offset} is out of range for {type} (rank {type.Rank})");
        }

        return new SizeOperand(SizeExpr.Of(type.Shape[(int)dim]));
    }

    private Value Function(IInvocationOperation call, Frame frame)
    {
        string name = call.TargetMethod.Name;
        SyntaxNode syntax = call.Syntax;
        switch (name)
        {
            case "Relu" or "Silu" or "Tanh" or "Sigmoid":
                return Emit(UnaryMethods[name], [Tensor(Arg(call, "input"), frame)], null, syntax);
            case "Gelu":
                return Emit("gelu", [Tensor(Arg(call, "input"), frame)], Attrs.Empty.With("approximate", TextArg(call, "approximate", frame)), syntax);
            case "Softmax" or "LogSoftmax":
                Value input = Tensor(Arg(call, "input"), frame);
                return Emit(name == "Softmax" ? "softmax" : "log_softmax", [input], Attrs.Empty.With("dim", DimArg(call, "dim", builder.TypeOf(input).Rank, frame)), syntax);
            case "Linear":
                return Emit("linear", WithOptional([Tensor(Arg(call, "input"), frame), Tensor(Arg(call, "weight"), frame)], OptionalTensor(call, "bias", frame)), null, syntax);
            case "Conv2d" when IsIntParameter(call, "stride"):
                return Emit(
                    "conv2d",
                    WithOptional([Tensor(Arg(call, "input"), frame), Tensor(Arg(call, "weight"), frame)], OptionalTensor(call, "bias", frame)),
                    ConvAttrs(IntArg(call, "stride", frame), IntArg(call, "padding", frame), IntArg(call, "dilation", frame), IntArg(call, "groups", frame)),
                    syntax);
            case "MaxPool2d" when IsIntParameter(call, "kernelSize"):
                return Emit("max_pool2d", [Tensor(Arg(call, "input"), frame)], MaxPoolAttrs(call, frame), syntax);
            case "AvgPool2d" when IsIntParameter(call, "kernelSize") && Lower(Arg(call, "divisorOverride"), frame) is TextOperand { Value: null }:
                return Emit("avg_pool2d", [Tensor(Arg(call, "input"), frame)], AvgPoolAttrs(call, frame), syntax);
            case "Dropout":
                return Dropout(call, frame);
            case "ScaledDotProductAttention":
                return Attention(call, frame);
            case "LayerNorm":
                Value x = Tensor(Arg(call, "input"), frame);
                long[] normalized = IntsArg(call, "normalizedShape", frame);
                Value? weight = OptionalTensor(call, "weight", frame), bias = OptionalTensor(call, "bias", frame);
                if (weight is null || bias is null)
                {
                    throw Break(syntax, "`F.LayerNorm` without a weight and a bias", "has no compiled form yet");
                }

                return Emit("layer_norm", [x, weight, bias], Attrs.Empty.With("normalized_shape", normalized).With("eps", RealArg(call, "eps", frame)), syntax);
            case "Embedding":
                if (Lower(Arg(call, "paddingIdx"), frame) is not TextOperand { Value: null })
                {
                    throw Break(syntax, "`F.Embedding` with a padding index", "has no compiled form yet");
                }

                return Emit("embedding", [Tensor(Arg(call, "indices"), frame), Tensor(Arg(call, "weight"), frame)], null, syntax);
            default:
                throw Break(syntax, $"the call to 'F.{name}'", "has no compiled form yet");
        }
    }

    private Value Dropout(IInvocationOperation call, Frame frame)
    {
        Value x = Tensor(Arg(call, "x"), frame);
        if (Lower(Arg(call, "generator"), frame) is not TextOperand { Value: null })
        {
            throw Break(call.Syntax, "`F.Dropout` with its own generator", "has no compiled form yet");
        }

        // The compiled graph is specialised to train or eval mode later, so dropout must follow the module's mode.
        IOperation training = Arg(call, "training");
        if (training is IPropertyReferenceOperation { Property.Name: "Training", Instance: null or IInstanceReferenceOperation })
        {
            return Emit("dropout", [x], Attrs.Empty.With("p", RealArg(call, "p", frame)), call.Syntax);
        }

        if (Lower(training, frame) is BoolOperand { Value: false })
        {
            return x;
        }

        throw Break(call.Syntax, "`F.Dropout`", "is not given `training: Training`, so it does not follow the module's train/eval mode");
    }

    /// <summary>F.ScaledDotProductAttention without a mask tensor or dropout: the IR's fused attention (is_causal, scale).</summary>
    private Value Attention(IInvocationOperation call, Frame frame)
    {
        Value q = Tensor(Arg(call, "query"), frame), k = Tensor(Arg(call, "key"), frame), v = Tensor(Arg(call, "value"), frame);
        if (Lower(Arg(call, "attnMask"), frame) is not TextOperand { Value: null })
        {
            throw Break(call.Syntax, "`F.ScaledDotProductAttention` with a mask tensor", "has no compiled form yet (isCausal: true does)");
        }

        if (RealArg(call, "dropoutP", frame) != 0 || Lower(Arg(call, "generator"), frame) is not TextOperand { Value: null })
        {
            throw Break(call.Syntax, "`F.ScaledDotProductAttention` with dropout", "has no compiled form yet");
        }

        Attrs attrs = Attrs.Empty.With("is_causal", BoolArg(call, "isCausal", frame));
        if (Lower(Arg(call, "scale"), frame) is not TextOperand { Value: null })
        {
            attrs = attrs.With("scale", RealArg(call, "scale", frame));
        }

        return Emit("scaled_dot_product_attention", [q, k, v], attrs, call.Syntax);
    }

    private Attrs ReductionAttrs(IInvocationOperation call, int rank, Frame frame)
    {
        long[] dims = Has(call, "dim") ? [DimArg(call, "dim", rank, frame)]
            : Has(call, "dims") ? IntsArg(call, "dims", frame).Select(d => NormalizeDim(d, rank)).ToArray()
            : [];
        return Attrs.Empty.With("dims", dims).With("keepdim", Has(call, "keepdim") && BoolArg(call, "keepdim", frame));
    }

    private static Attrs ConvAttrs(long stride, long padding, long dilation, long groups) =>
        Attrs.Empty.With("stride", new[] { stride, stride }).With("padding", new[] { padding, padding }).With("dilation", new[] { dilation, dilation }).With("groups", groups);

    /// <summary>Max pooling's attributes from F.MaxPool2d's or the MaxPool2d layer's arguments (the same names).</summary>
    private Attrs MaxPoolAttrs(IOperation call, Frame frame)
    {
        long kernel = IntArg(call, "kernelSize", frame);
        long stride = Lower(Arg(call, "stride"), frame) is TextOperand { Value: null } ? kernel : IntArg(call, "stride", frame);
        long padding = IntArg(call, "padding", frame), dilation = IntArg(call, "dilation", frame);
        return Attrs.Empty.With("kernel", new[] { kernel, kernel }).With("stride", new[] { stride, stride }).With("padding", new[] { padding, padding })
            .With("dilation", new[] { dilation, dilation }).With("ceil_mode", BoolArg(call, "ceilMode", frame));
    }

    private Attrs AvgPoolAttrs(IOperation call, Frame frame)
    {
        long kernel = IntArg(call, "kernelSize", frame);
        long stride = Lower(Arg(call, "stride"), frame) is TextOperand { Value: null } ? kernel : IntArg(call, "stride", frame);
        long padding = IntArg(call, "padding", frame);
        return Attrs.Empty.With("kernel", new[] { kernel, kernel }).With("stride", new[] { stride, stride }).With("padding", new[] { padding, padding })
            .With("ceil_mode", BoolArg(call, "ceilMode", frame)).With("count_include_pad", BoolArg(call, "countIncludePad", frame));
    }

    /// <summary>
    /// Reshape's attributes: the target dims (whole numbers or sizes such as <c>x.Size(0)</c>) and, for a
    /// -1, its index as <c>infer</c> (the shape rule works its size out).
    /// </summary>
    private Attrs ReshapeAttrs(Value input, Operand shape, SyntaxNode syntax)
    {
        IReadOnlyList<Operand> items = shape is ListOperand list ? list.Items : [shape];
        var sizes = new List<SizeExpr>();
        foreach (Operand item in items)
        {
            sizes.Add(item switch
            {
                SizeOperand size => size.Size,
                UnknownOperand unknown => throw Break(syntax, $"`{Short(syntax)}`", $"uses {unknown.What}"),
                _ => throw Break(syntax, $"`{Short(syntax)}`", "has a shape the compiler cannot read"),
            });
        }

        TensorType type = builder.TypeOf(input);
        string target = string.Join(", ", sizes);
        if (sizes.Count(s => s.IsConstant && s.Offset == -1) > 1)
        {
            throw new ShapeErrorException(syntax, $"reshape: only one dimension can be -1, got [{target}] for input {type}");
        }

        if (sizes.Any(s => s.IsConstant && s.Offset < -1))
        {
            throw new ShapeErrorException(syntax, $"reshape: invalid size in [{target}] for input {type}");
        }

        int infer = sizes.FindIndex(s => s.IsConstant && s.Offset == -1);
        var dims = sizes.Select(s => s.ToDim()).ToList();
        if (infer < 0)
        {
            // Dims equal on both sides cancel; what is left must hold as many elements (B, T, 5, 12 of [B, T, 64] does not).
            (List<Dim> left, List<Dim> right) = Uncancelled(type.Shape, dims);
            if (left.Concat(right).All(d => d.Kind == DimKind.Constant)
                && left.Aggregate(1L, (p, d) => p * d.Offset) is long had && right.Aggregate(1L, (p, d) => p * d.Offset) is long asked && had != asked)
            {
                throw new ShapeErrorException(syntax, $"reshape: shape [{target}] is invalid for input of shape {type}: the sizes that differ hold {had} and {asked} elements");
            }

            return Attrs.Empty.With("dims", dims.ToEquatableArray());
        }

        // The -1 written out when the other dims cancel against the input's (B, T, 4, -1 of [B, T, 64] is 16);
        // else the shape rule works it out.
        Dim inferred = InferReshapeDim(type.Shape, dims.Where((_, i) => i != infer).ToList());
        dims[infer] = inferred;
        Attrs attrs = Attrs.Empty.With("dims", dims.ToEquatableArray());
        return inferred.Kind == DimKind.Unknown ? attrs.With("infer", (long)infer) : attrs;
    }

    /// <summary>The dims of <paramref name="input"/> and <paramref name="target"/> left once equal ones (other than unknown) cancel.</summary>
    private static (List<Dim> Input, List<Dim> Target) Uncancelled(EquatableArray<Dim> input, IReadOnlyList<Dim> target)
    {
        var remaining = input.ToList();
        var unmatched = new List<Dim>();
        foreach (Dim dim in target)
        {
            int match = dim.Kind == DimKind.Unknown ? -1 : remaining.IndexOf(dim);
            if (match >= 0)
            {
                remaining.RemoveAt(match);
            }
            else
            {
                unmatched.Add(dim);
            }
        }

        return (remaining, unmatched);
    }

    /// <summary>The size of a reshape's -1: the input's dims that the other target dims do not cancel, divided by those that remain; else unknown.</summary>
    private static Dim InferReshapeDim(EquatableArray<Dim> input, List<Dim> others)
    {
        (List<Dim> remaining, List<Dim> divisors) = Uncancelled(input, others);
        if (remaining.Any(d => d.Kind == DimKind.Unknown) || divisors.Any(d => d.Kind != DimKind.Constant))
        {
            return Dim.Unknown;
        }

        long divisor = divisors.Aggregate(1L, (product, d) => product * d.Offset);
        long constant = remaining.Where(d => d.Kind == DimKind.Constant).Aggregate(1L, (product, d) => product * d.Offset);
        List<Dim> symbolic = remaining.Where(d => d.Kind == DimKind.Symbolic).ToList();
        if (divisor == 0)
        {
            return Dim.Unknown;
        }

        if (symbolic.Count == 0)
        {
            return constant % divisor == 0 ? Dim.Constant(constant / divisor) : Dim.Unknown;
        }

        if (symbolic.Count == 1 && symbolic[0].Offset == 0 && (symbolic[0].Scale * constant) % divisor == 0)
        {
            return Dim.Affine(symbolic[0].Symbol!, symbolic[0].Scale * constant / divisor, 0);
        }

        return Dim.Unknown;
    }

    private static long NormalizeDim(long dim, int rank) => dim < 0 && rank > 0 ? dim + rank : dim;

    private static Value[] WithOptional(Value[] inputs, Value? optional) => optional is { } value ? [.. inputs, value] : inputs;

    /// <summary>True when the called overload takes <paramref name="name"/> as an <c>int</c> (not a (height, width) pair).</summary>
    private static bool IsIntParameter(IInvocationOperation call, string name) =>
        call.TargetMethod.Parameters.FirstOrDefault(p => p.Name == name)?.Type.SpecialType == SpecialType.System_Int32;
}
