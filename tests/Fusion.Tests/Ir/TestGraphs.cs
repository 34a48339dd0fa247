using DeepGen.Fusion.Ir;

namespace DeepGen.Fusion.Tests.Ir;

/// <summary>Graphs built by hand the way the front-end builds them, shared by the IR, autodiff and fusion tests.</summary>
internal static class TestGraphs
{
    public static readonly Dim B = Dim.Of("B");

    public static Attrs A => Attrs.Empty;

    /// <summary>The Fashion-MNIST MLP's first layers: flatten, linear, relu, linear.</summary>
    public static IrGraph Mlp()
    {
        var g = new GraphBuilder("Mlp.Forward");
        Value x = g.Input("x", TensorType.Of(ScalarType.Float32, B, Dim.Constant(1), Dim.Constant(28), Dim.Constant(28)));
        Value w1 = g.Parameter("fc1.weight", "fc1.Weight", TensorType.Of(ScalarType.Float32, 256, 784));
        Value b1 = g.Parameter("fc1.bias", "fc1.Bias", TensorType.Of(ScalarType.Float32, 256));
        Value w2 = g.Parameter("fc2.weight", "fc2.Weight", TensorType.Of(ScalarType.Float32, 10, 256));
        Value b2 = g.Parameter("fc2.bias", "fc2.Bias", TensorType.Of(ScalarType.Float32, 10));
        Value h = g.Op("flatten", [x], A.With("start", 1L).With("end", -1L));
        h = g.Op("relu", [g.Op("linear", [h, w1, b1])]);
        g.Output(g.Op("linear", [h, w2, b2]));
        return g.Build();
    }
}
