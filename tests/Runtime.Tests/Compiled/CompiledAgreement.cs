using DeepGen.Compiled;

namespace DeepGen.Tests.Compiled;

/// <summary>Runs a generated model's compiled path and its eager Forward on the same weights and input, and compares them.</summary>
internal static class CompiledAgreement
{
    /// <summary>
    /// The user's eager Forward and the compiled path of a model with the same weights (which must be taken,
    /// with <paramref name="backwardName"/> as its autograd node), each on its own copy of <paramref name="data"/>:
    /// the outputs agree, and after backpropagating the sum of squares of each, so do the inputs' gradients.
    /// The caller compares the parameters' gradients.
    /// </summary>
    public static void ForwardAndBackward(Func<Tensor, Tensor> eager, ITensorModule compiled, Tensor data, string backwardName)
    {
        var xe = data.Clone().RequiresGrad_();
        var xc = data.Clone().RequiresGrad_();
        CompiledDispatch.ThrowOnFallback = true;
        try
        {
            var expected = eager(xe);
            var actual = compiled.Forward(xc);
            Assert.Null(CompiledDispatch.LastFallback);
            Assert.Equal(backwardName, actual.GradFn!.Name);
            Close(expected, actual, "output");
            (expected * expected).Sum().Backward();
            (actual * actual).Sum().Backward();
        }
        finally
        {
            CompiledDispatch.ThrowOnFallback = false;
        }

        Close(xe.Grad!, xc.Grad!, "grad of the input");
    }

    /// <summary>Every parameter's gradient and every state-dict entry (running statistics too) of the two models agree.</summary>
    public static void SameGradientsAndState(Module eager, Module compiled)
    {
        var compiledParameters = compiled.NamedParameters();
        foreach (var (key, value) in eager.NamedParameters())
            Close(value.Grad!, compiledParameters.Single(p => p.Key == key).Value.Grad!, "grad " + key);
        var compiledState = compiled.StateDict();
        foreach (var (key, value) in eager.StateDict())
            Close(value, compiledState[key], key);
    }

    /// <summary>Equal shapes, and values within 1e-4 of the largest magnitude (float32).</summary>
    public static void Close(Tensor expected, Tensor actual, string what)
    {
        Assert.Equal(expected.ShapeArray(), actual.ShapeArray());
        var e = expected.ToArray<double>();
        var a = actual.ToArray<double>();
        double scale = Math.Max(e.Length == 0 ? 0 : e.Max(Math.Abs), 1e-6);
        for (int i = 0; i < e.Length; i++)
            Assert.True(Math.Abs(e[i] - a[i]) <= 1e-4 * scale, $"{what}[{i}]: eager {e[i]:R}, compiled {a[i]:R}");
    }
}
