using DeepGen.Autograd;

namespace DeepGen.Tests;

/// <summary>
/// Checks autograd against central finite differences in float64, as torch.autograd.gradcheck does:
/// for every input that requires grad and every element of it, perturb by ±eps and compare the numeric
/// slope of sum(f(x) * v) (v a fixed random cotangent) with the analytic gradient.
/// </summary>
public static class GradCheck
{
    public static void Check(Func<Tensor[], Tensor> f, params Tensor[] inputs) => Check(f, inputs, eps: 1e-6, atol: 1e-5, rtol: 1e-4);

    public static void Check(Func<Tensor[], Tensor> f, Tensor[] inputs, double eps, double atol, double rtol)
    {
        foreach (var x in inputs)
            if (x.RequiresGrad && x.DType != DType.Float64)
                throw new ArgumentException("GradCheck: inputs that require grad must be float64");

        var output = f(inputs);
        if (output.DType != DType.Float64) throw new ArgumentException($"GradCheck: output must be float64, got {output.DType.Name()}");
        var cotangent = Tensor.Randn(output.ShapeArray(), DType.Float64, new Generator(1234));

        foreach (var x in inputs) x.Grad = null;
        var loss = (output * cotangent).Sum();
        loss.Backward();

        for (int k = 0; k < inputs.Length; k++)
        {
            var x = inputs[k];
            if (!x.RequiresGrad) continue;
            Assert.True(x.Grad is not null, $"GradCheck: input {k} got no gradient");
            var analytic = x.Grad!.ToArray<double>();
            var numeric = NumericGradient(f, inputs, k, cotangent, eps);
            for (int i = 0; i < numeric.Length; i++)
            {
                double diff = Math.Abs(analytic[i] - numeric[i]);
                Assert.True(diff <= atol + rtol * Math.Abs(numeric[i]),
                    $"GradCheck: input {k} (shape {string.Join("x", x.ShapeArray())}) element {i}: analytic {analytic[i]:G10} vs numeric {numeric[i]:G10}");
            }
        }
    }

    static double[] NumericGradient(Func<Tensor[], Tensor> f, Tensor[] inputs, int k, Tensor cotangent, double eps)
    {
        var x = inputs[k];
        var values = x.ToArray<double>();
        var result = new double[values.Length];
        using var noGrad = GradMode.NoGrad();
        for (int i = 0; i < values.Length; i++)
        {
            double original = values[i];
            values[i] = original + eps;
            double plus = Evaluate(f, inputs, k, values, cotangent);
            values[i] = original - eps;
            double minus = Evaluate(f, inputs, k, values, cotangent);
            values[i] = original;
            result[i] = (plus - minus) / (2 * eps);
        }
        return result;
    }

    static double Evaluate(Func<Tensor[], Tensor> f, Tensor[] inputs, int k, double[] values, Tensor cotangent)
    {
        // inputs are contiguous leaves; tests that need strided inputs build the view inside f
        var replaced = (Tensor[])inputs.Clone();
        replaced[k] = Tensor.FromArray(values, inputs[k].ShapeArray());
        return (f(replaced) * cotangent).Sum().Item<double>();
    }

    /// <summary>A float64 leaf with reproducible random values that requires grad.</summary>
    public static Tensor Leaf(params int[] shape) => Tensor.Randn(shape, DType.Float64, new Generator((ulong)(shape.Sum() * 31 + shape.Length))).RequiresGrad_();

    /// <summary>A float64 leaf with values in [low, high), for ops with restricted domains (log, sqrt).</summary>
    public static Tensor PositiveLeaf(double low, double high, params int[] shape) =>
        (Tensor.Rand(shape, DType.Float64, new Generator((ulong)(shape.Sum() * 17 + 3))) * (high - low) + low).Detach().RequiresGrad_();
}
