using DeepGen.Fusion.Ir;

namespace DeepGen.Fusion.Tests.Schedule;

/// <summary>Hand-built graphs for the planner and emitter tests (shared with the snapshot tests).</summary>
internal static class PlanGraphs
{
    public static readonly Dim B = Dim.Of("B");

    private static TensorType F32(params long[] shape) => TensorType.Of(ScalarType.Float32, shape);

    /// <summary>x [B, 16] -> linear -> gelu -> + x -> * 0.5 -> sigmoid: a GEMM then one pointwise chain with a residual.</summary>
    public static IrGraph ResidualGelu()
    {
        var g = new GraphBuilder("Residual.Forward");
        Value x = g.Input("x", TensorType.Of(ScalarType.Float32, B, Dim.Constant(16)));
        Value w = g.Parameter("fc.weight", "fc.Weight", F32(16, 16));
        Value b = g.Parameter("fc.bias", "fc.Bias", F32(16));
        Value h = g.Op("gelu", [g.Op("linear", [x, w, b])]);
        h = g.Op("add", [h, x]);
        h = g.Op("mul", [h, g.Constant(0.5, ScalarType.Float32)]);
        g.Output(g.Op("sigmoid", [h]));
        return g.Build();
    }

    /// <summary>A conv block as eval-mode batch norm leaves it: conv2d, (x - mean) * invstd * weight + bias over [C, 1, 1] views, relu, max pool.</summary>
    public static IrGraph ConvBlockEval()
    {
        var g = new GraphBuilder("ConvBlock.Forward");
        Value x = g.Input("x", TensorType.Of(ScalarType.Float32, B, Dim.Constant(1), Dim.Constant(28), Dim.Constant(28)));
        Value w = g.Parameter("conv.weight", "conv.Weight", F32(8, 1, 3, 3));
        Value cb = g.Parameter("conv.bias", "conv.Bias", F32(8));
        Value gamma = g.Parameter("bn.weight", "bn.Weight", F32(8));
        Value beta = g.Parameter("bn.bias", "bn.Bias", F32(8));
        Value mean = g.Parameter("bn.running_mean", "bn.RunningMean", F32(8), isBuffer: true);
        Value variance = g.Parameter("bn.running_var", "bn.RunningVar", F32(8), isBuffer: true);
        var ints = Attrs.Empty.With("stride", new long[] { 1, 1 }).With("padding", new long[] { 1, 1 }).With("dilation", new long[] { 1, 1 }).With("groups", 1L);
        Value y = g.Op("conv2d", [x, w, cb], ints);
        Value invstd = g.Op("rsqrt", [g.Op("add", [variance, g.Constant(1e-5, ScalarType.Float32)])]);
        Value scale = g.Op("mul", [invstd, gamma]);
        Value channel = g.Op("reshape", [scale], Attrs.Empty.With("dims", new[] { Dim.Constant(8), Dim.Constant(1), Dim.Constant(1) }.ToEquatableArray()));
        Value meanView = g.Op("reshape", [mean], Attrs.Empty.With("dims", new[] { Dim.Constant(8), Dim.Constant(1), Dim.Constant(1) }.ToEquatableArray()));
        Value betaView = g.Op("reshape", [beta], Attrs.Empty.With("dims", new[] { Dim.Constant(8), Dim.Constant(1), Dim.Constant(1) }.ToEquatableArray()));
        Value n = g.Op("add", [g.Op("mul", [g.Op("sub", [y, meanView]), channel]), betaView]);
        var pool = Attrs.Empty.With("kernel", new long[] { 2, 2 }).With("stride", new long[] { 2, 2 }).With("padding", new long[] { 0, 0 });
        IReadOnlyList<Value> pooled = g.OpOutputs("max_pool2d", [g.Op("relu", [n])], pool);
        g.Output(pooled[0]);
        return g.Build();
    }

    /// <summary>matmul, + bias, relu; then a second use of the product forbids the epilogue on the other branch.</summary>
    public static IrGraph MatMulBiasRelu(bool productAlsoReturned)
    {
        var g = new GraphBuilder("MatMul.Forward");
        Value a = g.Input("a", TensorType.Of(ScalarType.Float32, B, Dim.Constant(8)));
        Value w = g.Parameter("w", "W", F32(8, 4));
        Value bias = g.Parameter("b", "Bias", F32(4));
        Value p = g.Op("matmul", [a, w]);
        g.Output(g.Op("relu", [g.Op("add", [p, bias])]));
        if (productAlsoReturned)
        {
            g.Output(p);
        }

        return g.Build();
    }

    /// <summary>
    /// The Fashion-MNIST ConvNet (examples/FashionMnist/Models.cs) as the front-end lowers it: two blocks of
    /// conv2d, batch_norm, relu and 2x2 max pooling, then flatten, linear, relu, dropout(0.3), linear.
    /// </summary>
    public static IrGraph ConvNet()
    {
        var g = new GraphBuilder("ConvNet.Forward");
        Value x = g.Input("x", TensorType.Of(ScalarType.Float32, B, Dim.Constant(1), Dim.Constant(28), Dim.Constant(28)));
        Value h = ConvBlock(g, x, "conv1", "bn1", 1, 32);
        h = ConvBlock(g, h, "conv2", "bn2", 32, 64);
        h = g.Op("flatten", [h], Attrs.Empty.With("start", 1L).With("end", -1L));
        h = g.Op("relu", [g.Op("linear", [h, g.Parameter("fc1.weight", "fc1.Weight", F32(128, 3136)), g.Parameter("fc1.bias", "fc1.Bias", F32(128))])]);
        h = g.OpOutputs("dropout", [h], Attrs.Empty.With("p", 0.3))[0];
        g.Output(g.Op("linear", [h, g.Parameter("fc2.weight", "fc2.Weight", F32(10, 128)), g.Parameter("fc2.bias", "fc2.Bias", F32(10))]));
        return g.Build();
    }

    private static Value ConvBlock(GraphBuilder g, Value x, string conv, string bn, long inChannels, long outChannels)
    {
        var convAttrs = Attrs.Empty.With("stride", new long[] { 1, 1 }).With("padding", new long[] { 1, 1 }).With("dilation", new long[] { 1, 1 }).With("groups", 1L);
        Value y = g.Op("conv2d", [x, g.Parameter(conv + ".weight", conv + ".Weight", F32(outChannels, inChannels, 3, 3)), g.Parameter(conv + ".bias", conv + ".Bias", F32(outChannels))], convAttrs);
        Value[] stats =
        [
            y,
            g.Parameter(bn + ".weight", bn + ".Weight", F32(outChannels)),
            g.Parameter(bn + ".bias", bn + ".Bias", F32(outChannels)),
            g.Parameter(bn + ".running_mean", bn + ".RunningMean", F32(outChannels), isBuffer: true),
            g.Parameter(bn + ".running_var", bn + ".RunningVar", F32(outChannels), isBuffer: true),
        ];
        Value n = g.OpOutputs("batch_norm", stats, Attrs.Empty.With("momentum", 0.1).With("eps", 1e-5))[0];
        var pool = Attrs.Empty.With("kernel", new long[] { 2, 2 }).With("stride", new long[] { 2, 2 }).With("padding", new long[] { 0, 0 });
        return g.OpOutputs("max_pool2d", [g.Op("relu", [n])], pool)[0];
    }
}
