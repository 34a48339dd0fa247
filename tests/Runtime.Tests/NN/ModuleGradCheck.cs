using DeepGen.Autograd;

namespace DeepGen.Tests;

/// <summary>
/// Finite-difference check of a module's parameter gradients: perturbs each parameter element in place
/// (float64 modules) and compares the slope of the scalar loss with what Backward() accumulated.
/// </summary>
public static class ModuleGradCheck
{
    public static void Check(Func<Tensor> loss, IEnumerable<Tensor> parameters, double eps = 1e-6, double atol = 1e-5, double rtol = 1e-4)
    {
        var ps = parameters.ToList();
        foreach (var p in ps) p.Grad = null;
        loss().Backward();
        foreach (var p in ps)
        {
            Assert.True(p.Grad is not null, $"ModuleGradCheck: a parameter of shape {string.Join("x", p.ShapeArray())} got no gradient");
            var analytic = p.Grad!.ToArray<double>();
            var data = p.ContiguousSpan<double>().ToArray();
            using var noGrad = GradMode.NoGrad();
            for (int i = 0; i < data.Length; i++)
            {
                double plus = Evaluate(loss, p, data, i, data[i] + eps);
                double minus = Evaluate(loss, p, data, i, data[i] - eps);
                Evaluate(loss, p, data, i, data[i]);
                double numeric = (plus - minus) / (2 * eps);
                Assert.True(Math.Abs(analytic[i] - numeric) <= atol + rtol * Math.Abs(numeric),
                    $"ModuleGradCheck: parameter of shape {string.Join("x", p.ShapeArray())} element {i}: analytic {analytic[i]:G10} vs numeric {numeric:G10}");
            }
        }
    }

    static double Evaluate(Func<Tensor> loss, Tensor p, double[] original, int i, double value)
    {
        var span = p.ContiguousSpan<double>();
        original.CopyTo(span);
        span[i] = value;
        return loss().Item<double>();
    }
}
