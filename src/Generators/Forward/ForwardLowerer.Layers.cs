using DeepGen.Fusion;
using DeepGen.Fusion.Ir;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace DeepGen.Generators;

// DeepGen's built-in layers (src/Runtime/NN): each call to a layer field's Forward becomes its op, with
// parameter nodes typed from the arguments the layer is created with (new Linear(784, 256): weight
// f32[256, 784], bias f32[256]); a model constructor's parameter stays a symbolic dimension.
internal sealed partial class ForwardLowerer
{
    private static readonly HashSet<string> Layers = new(StringComparer.Ordinal)
    {
        "Linear", "Conv2d", "BatchNorm1d", "BatchNorm2d", "LayerNorm", "Dropout", "MaxPool2d", "AvgPool2d",
        "Flatten", "ReLU", "GELU", "SiLU", "Tanh", "Sigmoid", "Embedding",
    };

    /// <summary>Whether <paramref name="type"/> is one of DeepGen's layers the lowering knows (<see cref="Layers"/>).</summary>
    private static bool IsBuiltInLayer(ITypeSymbol type) => IsDeepGenType(type, type.Name) && Layers.Contains(type.Name);

    private Value Layer(string layer, ModuleOperand module, IObjectCreationOperation creation, Value input, SyntaxNode syntax)
    {
        var frame = new Frame(module.Owner, ".ctor", isConstructor: true);
        int rank = builder.TypeOf(input).Rank;
        switch (layer)
        {
            case "Linear":
            {
                Dim inFeatures = DimArg(creation, "inFeatures", frame), outFeatures = DimArg(creation, "outFeatures", frame);
                ScalarType dtype = DTypeArg(creation, frame);
                var inputs = new List<Value> { input, LayerParameter(module, "weight", "Weight", TensorType.Of(dtype, outFeatures, inFeatures), mayBeNull: false) };
                if (BoolArg(creation, "bias", frame))
                {
                    inputs.Add(LayerParameter(module, "bias", "Bias", TensorType.Of(dtype, outFeatures), mayBeNull: true));
                }

                return Emit("linear", inputs, null, syntax);
            }

            case "Conv2d":
            {
                if (!Has(creation, "stride") || creation.Constructor?.Parameters.First(p => p.Name == "stride").Type.SpecialType != SpecialType.System_Int32)
                {
                    throw Break(syntax, $"the layer '{module.Member.Name}'", "is created with (height, width) pairs, which are not compiled yet");
                }

                Dim inChannels = DimArg(creation, "inChannels", frame), outChannels = DimArg(creation, "outChannels", frame);
                long kernel = IntArg(creation, "kernelSize", frame), groups = IntArg(creation, "groups", frame);
                Dim perGroup = groups == 1 ? inChannels : SizeExpr.Of(inChannels) is { IsUnknown: false } c ? (c / SizeExpr.Of(groups)).ToDim() : Dim.Unknown;
                ScalarType dtype = DTypeArg(creation, frame);
                var inputs = new List<Value>
                {
                    input,
                    LayerParameter(module, "weight", "Weight", TensorType.Of(dtype, outChannels, perGroup, Dim.Constant(kernel), Dim.Constant(kernel)), mayBeNull: false),
                };
                if (BoolArg(creation, "bias", frame))
                {
                    inputs.Add(LayerParameter(module, "bias", "Bias", TensorType.Of(dtype, outChannels), mayBeNull: true));
                }

                return Emit("conv2d", inputs, ConvAttrs(IntArg(creation, "stride", frame), IntArg(creation, "padding", frame), IntArg(creation, "dilation", frame), groups), syntax);
            }

            case "BatchNorm1d" or "BatchNorm2d":
            {
                Dim features = DimArg(creation, "numFeatures", frame);
                if (!BoolArg(creation, "affine", frame) || !BoolArg(creation, "trackRunningStats", frame))
                {
                    throw Break(syntax, $"the layer '{module.Member.Name}'", "is a batch norm without affine parameters or running statistics, which is not compiled yet");
                }

                if (Lower(Arg(creation, "momentum"), frame) is TextOperand { Value: null })
                {
                    throw Break(syntax, $"the layer '{module.Member.Name}'", "is a batch norm with a cumulative moving average (momentum: null), which is not compiled yet");
                }

                ScalarType dtype = DTypeArg(creation, frame);
                TensorType vector = TensorType.Of(dtype, features);
                Value[] inputs =
                [
                    input,
                    LayerParameter(module, "weight", "Weight", vector, mayBeNull: true),
                    LayerParameter(module, "bias", "Bias", vector, mayBeNull: true),
                    LayerParameter(module, "running_mean", "RunningMean", vector, mayBeNull: true, isBuffer: true),
                    LayerParameter(module, "running_var", "RunningVar", vector, mayBeNull: true, isBuffer: true),
                ];
                return Emit("batch_norm", inputs, Attrs.Empty.With("momentum", RealArg(creation, "momentum", frame)).With("eps", RealArg(creation, "eps", frame)), syntax);
            }

            case "LayerNorm":
            {
                if (!BoolArg(creation, "elementwiseAffine", frame) || !BoolArg(creation, "bias", frame))
                {
                    throw Break(syntax, $"the layer '{module.Member.Name}'", "is a layer norm without a weight and a bias, which is not compiled yet");
                }

                long[] normalized = IntsArg(creation, "normalizedShape", frame);
                ScalarType dtype = DTypeArg(creation, frame);
                TensorType shape = new(dtype, normalized.Select(Dim.Constant).ToEquatableArray());
                Value[] inputs = [input, LayerParameter(module, "weight", "Weight", shape, mayBeNull: true), LayerParameter(module, "bias", "Bias", shape, mayBeNull: true)];
                return Emit("layer_norm", inputs, Attrs.Empty.With("normalized_shape", normalized).With("eps", RealArg(creation, "eps", frame)), syntax);
            }

            case "Dropout":
                return Emit("dropout", [input], Attrs.Empty.With("p", RealArg(creation, "p", frame)), syntax);
            case "MaxPool2d":
                return Emit("max_pool2d", [input], MaxPoolAttrs(creation, frame), syntax);
            case "AvgPool2d":
                return Emit("avg_pool2d", [input], AvgPoolAttrs(creation, frame), syntax);
            case "Flatten":
                return Emit("flatten", [input], Attrs.Empty.With("start", NormalizeDim(IntArg(creation, "startDim", frame), rank)).With("end", NormalizeDim(IntArg(creation, "endDim", frame), rank)), syntax);
            case "ReLU" or "SiLU" or "Tanh" or "Sigmoid":
                return Emit(layer == "ReLU" ? "relu" : layer.ToLowerInvariant(), [input], null, syntax);
            case "GELU":
                return Emit("gelu", [input], Attrs.Empty.With("approximate", TextArg(creation, "approximate", frame)), syntax);
            case "Embedding":
            {
                if (Lower(Arg(creation, "paddingIdx"), frame) is not TextOperand { Value: null })
                {
                    throw Break(syntax, $"the layer '{module.Member.Name}'", "is an embedding with a padding index, which is not compiled yet");
                }

                TensorType table = TensorType.Of(DTypeArg(creation, frame), DimArg(creation, "numEmbeddings", frame), DimArg(creation, "embeddingDim", frame));
                return Emit("embedding", [input, LayerParameter(module, "weight", "Weight", table, mayBeNull: false)], null, syntax);
            }

            default:
                throw new InvalidOperationException($"No lowering for the layer {layer}.");
        }
    }

    private Value LayerParameter(ModuleOperand module, string stateLeaf, string property, TensorType type, bool mayBeNull, bool isBuffer = false)
    {
        string name = module.Member.Name;
        string? layer = module.Element?.Access ?? MemberAccess(module.Owner, module.Member);
        return AddParameter(
            module.Owner.StatePrefix + (module.Element?.State ?? RegisteredName(name)) + "." + stateLeaf,
            (layer ?? module.Owner.AccessPrefix + name) + "." + property,
            type,
            isBuffer,
            mayBeNull,
            crossesModel: layer is null);
    }

    /// <summary>A size argument of a layer's constructor: a constant, a symbolic dimension (<c>4*d</c>), or <see cref="Dim.Unknown"/>.</summary>
    private Dim DimArg(IObjectCreationOperation creation, string name, Frame frame) =>
        Lower(Arg(creation, name), frame) is SizeOperand size ? size.Size.ToDim() : Dim.Unknown;

    private ScalarType DTypeArg(IObjectCreationOperation creation, Frame frame)
    {
        if (!Has(creation, "dtype"))
        {
            return ScalarType.Float32;
        }

        return Lower(Arg(creation, "dtype"), frame) is TextOperand { Value: { } name }
            ? ScalarTypeOf(name)
            : throw NotConstant(creation, "dtype", new UnknownOperand("a dtype known only at run time"));
    }
}
