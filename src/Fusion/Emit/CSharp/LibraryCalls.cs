using System.Globalization;
using DeepGen.Fusion.Ir;

namespace DeepGen.Fusion.Emit.CSharp;

/// <summary>The runtime call (DeepGen.Compiled.Library) for each non-pointwise op, with its attributes written out.</summary>
internal static class LibraryCalls
{
    /// <summary>The C# expression for <paramref name="node"/>; multi-output ops return a tuple.</summary>
    /// <param name="node">The node.</param>
    /// <param name="graph">Its graph (for the sources behind an argument).</param>
    /// <param name="arg">The C# expression of an input value.</param>
    /// <param name="bias">A matmul epilogue's bias, if fused.</param>
    /// <param name="relu">Whether a GEMM epilogue applies ReLU.</param>
    /// <param name="symbol">The C# expression for a symbolic size (<c>B</c>), bound from the graph's sources at run time.</param>
    /// <param name="into">An earlier product a matmul adds into (its buffer, beta = 1), if fused.</param>
    /// <exception cref="NotSupportedException">No runtime kernel for the op.</exception>
    public static string Call(IrNode node, IrGraph graph, Func<Value, string> arg, string? bias, bool relu, Func<string, string> symbol, string? into = null)
    {
        Attrs a = node.Attrs;
        string In(int i) => arg(node.Inputs[i]);
        string Opt(int i) => node.Inputs.Count > i ? In(i) : "null";
        string Relu() => relu ? ", relu: true" : string.Empty;
        string All(int from) => string.Join(", ", node.Inputs.Skip(from).Select(arg));
        switch (node.Op)
        {
            case "linear":
                return $"Library.Linear({In(0)}, {In(1)}, {Opt(2)}{Relu()})";
            case "matmul":
                return $"Library.MatMul({In(0)}, {In(1)}, {bias ?? "null"}{Relu()}{(into is null ? string.Empty : ", into: " + into)})";
            case "conv2d":
                return $"Library.Conv2d({In(0)}, {In(1)}, {Opt(2)}, {Pair(a, "stride")}, {Pair(a, "padding")}, {Pair(a, "dilation")}, {Int(a.Int("groups", 1))})";
            case "conv2d_input_grad":
                return $"Library.Conv2dInputGrad({In(0)}, {In(1)}, {In(2)}, {Pair(a, "stride")}, {Pair(a, "padding")}, {Pair(a, "dilation")}, {Int(a.Int("groups", 1))})";
            case "conv2d_weight_grad":
                return $"Library.Conv2dWeightGrad({In(0)}, {In(1)}, {In(2)}, {Pair(a, "stride")}, {Pair(a, "padding")}, {Pair(a, "dilation")}, {Int(a.Int("groups", 1))})";
            case "max_pool2d":
                return $"Library.MaxPool2d({In(0)}, {Pair(a, "kernel")}, {Pair(a, "stride")}, {Pair(a, "padding")}, {Pair(a, "dilation", 1)}, {Bool(a.Bool("ceil_mode", false))})";
            case "max_pool2d_backward":
                return $"Library.MaxPool2dBackward({In(0)}, {In(1)}, {In(2)}, {Pair(a, "kernel")}, {Pair(a, "stride")}, {Pair(a, "padding")}, {Pair(a, "dilation", 1)}, {Bool(a.Bool("ceil_mode", false))})";
            case "avg_pool2d":
                return $"Library.AvgPool2d({In(0)}, {Pair(a, "kernel")}, {Pair(a, "stride")}, {Pair(a, "padding")}, {Bool(a.Bool("ceil_mode", false))}, {Bool(a.Bool("count_include_pad", true))})";
            case "avg_pool2d_backward":
                return $"Library.AvgPool2dBackward({In(0)}, {In(1)}, {Pair(a, "kernel")}, {Pair(a, "stride")}, {Pair(a, "padding")}, {Bool(a.Bool("ceil_mode", false))}, {Bool(a.Bool("count_include_pad", true))})";
            case "batch_norm":
                return BatchNorm(node, graph, arg);
            case "batch_norm_backward":
                return $"Library.BatchNormBackward({In(0)}, {In(1)}, {In(2)}, {In(3)}, {Opt(4)})";
            case "layer_norm":
                return $"Library.LayerNorm({In(0)}, {Opt(1)}, {Opt(2)}, {IntArray(a.Ints("normalized_shape"))}, {Real(a.Real("eps"))})";
            case "layer_norm_backward":
                return $"Library.LayerNormBackward({In(0)}, {In(1)}, {In(2)}, {In(3)}, {Opt(4)}, {IntArray(a.Ints("normalized_shape"))}, hasBias: true)";
            case "softmax":
            case "log_softmax":
                return $"Library.Softmax({In(0)}, {Int(a.Int("dim"))}, log: {Bool(node.Op == "log_softmax")})";
            case "softmax_backward":
            case "log_softmax_backward":
                return $"Library.SoftmaxBackward({In(0)}, {In(1)}, {Int(a.Int("dim"))}, log: {Bool(node.Op == "log_softmax_backward")})";
            case "scaled_dot_product_attention":
                return $"Library.ScaledDotProductAttention({In(0)}, {In(1)}, {In(2)}, {Attention(a)})";
            case "scaled_dot_product_attention_backward":
                return $"Library.ScaledDotProductAttentionBackward({In(0)}, {In(1)}, {In(2)}, {In(3)}, {In(4)}, {In(5)}, {Attention(a)})";
            case "dropout":
                return $"Library.Dropout({In(0)}, {Real(a.Real("p"))})";
            case "embedding":
                return $"Library.Embedding({In(0)}, {In(1)}, {PaddingIdx(a)})";
            case "embedding_backward":
                return $"Library.EmbeddingBackward({In(0)}, {In(1)}, {In(2)}, {PaddingIdx(a)})";
            case "sum":
            case "mean":
            case "amax":
                return $"Library.{Title(node.Op)}({In(0)}, {IntArray(a.Ints("dims"))}, keepdim: {Bool(a.Bool("keepdim", false))})";
            case "sum_to":
                return $"Library.SumTo({In(0)}, {In(1)})";
            case "sum_backward":
                return $"Library.SumBackward({In(0)}, {In(1)}, {IntArray(a.Ints("dims"))}, keepdim: {Bool(a.Bool("keepdim", false))})";
            case "mean_backward":
                return $"Library.MeanBackward({In(0)}, {In(1)}, {IntArray(a.Ints("dims"))}, keepdim: {Bool(a.Bool("keepdim", false))})";
            case "expand_as":
                return $"Library.ExpandAs({In(0)}, {In(1)})";
            case "reshape":
                return $"Library.Reshape({In(0)}, {ReshapeDims(node, symbol)})";
            case "reshape_as":
                return $"Library.ReshapeAs({In(0)}, {In(1)})";
            case "flatten":
                return $"Library.Flatten({In(0)}, {Int(a.Int("start", 0))}, {Int(a.Int("end", -1))})";
            case "transpose":
                return $"Library.Transpose({In(0)}, {Int(a.Int("dim0"))}, {Int(a.Int("dim1"))})";
            case "permute":
                return $"Library.Permute({In(0)}, {string.Join(", ", a.Ints("dims").Select(Int))})";
            case "unsqueeze":
                return $"Library.Unsqueeze({In(0)}, {Int(a.Int("dim"))})";
            case "squeeze":
                return $"Library.Squeeze({In(0)}, {(a.Has("dim") ? Int(a.Int("dim")) : "null")})";
            case "cat":
            case "stack":
                return $"Library.{Title(node.Op)}({Int(a.Int("dim"))}, {All(0)})";
            case "cat_backward":
                return $"Library.CatBackward({In(0)}, {Int(a.Int("dim"))}, {Int(a.Int("index"))}, {All(1)})";
            case "stack_backward":
                return $"Library.StackBackward({In(0)}, {In(1)}, {Int(a.Int("dim"))}, {Int(a.Int("index"))})";
            case "narrow":
                return $"Library.Narrow({In(0)}, {Int(a.Int("dim"))}, {Int(a.Int("start"))}, {Int(a.Int("length"))})";
            case "narrow_backward":
                return $"Library.NarrowBackward({In(0)}, {In(1)}, {Int(a.Int("dim"))}, {Int(a.Int("start"))}, {Int(a.Int("length"))})";
            case "detach":
                return In(0); // compiled tensors carry no autograd history: the value itself
            case "contiguous":
                return $"Library.Contiguous({In(0)})";
            default:
                throw new NotSupportedException($"{node.Op}: the compiled path has no runtime kernel for this op yet (node %{node.Id})");
        }
    }

    /// <summary>True for the calls whose second and third tuple elements may be null (absent affine parameters).</summary>
    public static bool HasNullableOutputs(string op) => op is "batch_norm_backward" or "layer_norm_backward";

    /// <summary>
    /// Training-mode batch norm: the running statistics are updated as eager BatchNorm does, including its
    /// num_batches_tracked counter, reached beside running_mean (<c>bn1.RunningMean</c> -> <c>bn1.NumBatchesTracked</c>).
    /// </summary>
    private static string BatchNorm(IrNode node, IrGraph graph, Func<Value, string> arg)
    {
        Attrs a = node.Attrs;
        bool affine = a.Bool("affine", true);
        bool tracking = a.Bool("track_running_stats", true);
        string weight = affine ? arg(node.Inputs[1]) : "null";
        string bias = affine ? arg(node.Inputs[2]) : "null";
        string mean = "null", variance = "null", counter = "null";
        if (tracking)
        {
            Value meanValue = node.Inputs[affine ? 3 : 1];
            mean = arg(meanValue);
            variance = arg(node.Inputs[affine ? 4 : 2]);
            IrNode source = graph.NodeOf(meanValue);
            string access = source.Op == SourceOps.Buffer ? source.Attrs.Text("access") : string.Empty;
            const string suffix = ".RunningMean";
            if (access.EndsWith(suffix, StringComparison.Ordinal))
            {
                counter = access.Substring(0, access.Length - suffix.Length) + ".NumBatchesTracked";
            }
        }

        string momentum = a.Has("momentum") ? Real(a.Real("momentum")) : "null";
        return $"Library.BatchNormTrain({arg(node.Inputs[0])}, {weight}, {bias}, {mean}, {variance}, {counter}, momentum: {momentum}, eps: {Real(a.Real("eps"))})";
    }

    /// <summary>The target sizes: constants as numbers, symbols through <paramref name="symbol"/> (<c>4 * dimC</c>), the inferred one as -1.</summary>
    private static string ReshapeDims(IrNode node, Func<string, string> symbol)
    {
        EquatableArray<Dim> dims = node.Attrs.Dims("dims");
        int infer = (int)node.Attrs.Int("infer", -1);
        if (infer < 0 && dims.Count(d => d.Kind == DimKind.Unknown) == 1)
        {
            infer = dims.ToList().FindIndex(d => d.Kind == DimKind.Unknown);
        }

        if (dims.Where((d, i) => i != infer).Any(d => d.Kind is not (DimKind.Constant or DimKind.Symbolic)))
        {
            throw new NotSupportedException($"reshape: the target [{string.Join(", ", dims)}] has more than one size known only at run time (node %{node.Id})");
        }

        return string.Join(", ", dims.Select((d, i) => i == infer ? "-1" : Size(d, symbol)));
    }

    /// <summary>A dim as a C# int expression: <c>28</c>, <c>dimB</c>, <c>4 * dimC + 1</c>.</summary>
    public static string Size(Dim d, Func<string, string> symbol)
    {
        if (d.Kind == DimKind.Constant)
        {
            return Int(d.Offset);
        }

        string text = (d.Scale == 1 ? string.Empty : Int(d.Scale) + " * ") + symbol(d.Symbol!);
        return d.Offset == 0 ? text : d.Offset > 0 ? $"{text} + {Int(d.Offset)}" : $"{text} - {Int(-d.Offset)}";
    }

    /// <summary>The symbols a node's call needs bound (a reshape's symbolic target sizes).</summary>
    public static IEnumerable<string> SymbolsOf(IrNode node) =>
        node.Op == "reshape" ? node.Attrs.Dims("dims").Where(d => d.Kind == DimKind.Symbolic).Select(d => d.Symbol!) : [];

    /// <summary>Attention's attributes as arguments: <c>isCausal: true, scale: null</c> (null: 1/sqrt(E), taken at run time).</summary>
    private static string Attention(Attrs a) =>
        $"isCausal: {Bool(a.Bool("is_causal", false))}, scale: {(a.Has("scale") ? Real(a.Real("scale")) : "null")}";

    private static string PaddingIdx(Attrs a) => a.Has("padding_idx") ? Int(a.Int("padding_idx")) + "L" : "null";

    private static string Pair(Attrs a, string name, long fallback = 0)
    {
        if (!a.Has(name))
        {
            return $"({Int(fallback)}, {Int(fallback)})";
        }

        EquatableArray<long> v = a.Ints(name);
        return $"({Int(v[0])}, {Int(v[v.Count > 1 ? 1 : 0])})";
    }

    private static string IntArray(EquatableArray<long> values) => values.Count == 0 ? "[]" : "[" + string.Join(", ", values.Select(Int)) + "]";

    private static string Int(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Real(double value) => KernelEmitter.Literal(value, ScalarType.Float64);

    public static string Bool(bool value) => value ? "true" : "false";

    private static string Title(string op) => char.ToUpperInvariant(op[0]) + op.Substring(1);
}
