using DeepGen.Optim;

namespace DeepGen.Tests.Optim;

/// <summary>A plain optimizer for one parameter, written from PyTorch's documented pseudo-code over double arrays.</summary>
internal interface IReferenceOptimizer
{
    void Step(double[] theta, double[] grad);
}

/// <summary>
/// torch.optim.SGD's documented algorithm. One deliberate difference from the pseudo-code's last line: maximize
/// negates the gradient first (as PyTorch's implementation does) instead of flipping the sign of the final update,
/// so weight decay still shrinks the weights when maximizing. The two agree whenever weight decay is 0.
/// </summary>
internal sealed class SgdReference(double lr, double momentum = 0, double dampening = 0, double weightDecay = 0, bool nesterov = false, bool maximize = false)
    : IReferenceOptimizer
{
    double[]? b;

    public void Step(double[] theta, double[] grad)
    {
        int n = theta.Length;
        var g = new double[n];
        for (int i = 0; i < n; i++) g[i] = maximize ? -grad[i] : grad[i];
        if (weightDecay != 0)
            for (int i = 0; i < n; i++) g[i] = g[i] + weightDecay * theta[i];
        if (momentum != 0)
        {
            if (b is null) b = (double[])g.Clone(); // t = 1: b_1 = g_1
            else
                for (int i = 0; i < n; i++) b[i] = momentum * b[i] + (1 - dampening) * g[i];
            for (int i = 0; i < n; i++) g[i] = nesterov ? g[i] + momentum * b[i] : b[i];
        }
        for (int i = 0; i < n; i++) theta[i] = theta[i] - lr * g[i];
    }
}

/// <summary>torch.optim.Adam's (decoupled: false) and torch.optim.AdamW's (decoupled: true) documented algorithms.</summary>
internal sealed class AdamReference(double lr, double beta1, double beta2, double eps, double weightDecay, bool amsgrad, bool maximize, bool decoupled)
    : IReferenceOptimizer
{
    double[]? m, v, vMax;
    int t;

    public void Step(double[] theta, double[] grad)
    {
        int n = theta.Length;
        m ??= new double[n];
        v ??= new double[n];
        vMax ??= new double[n];
        t++;
        for (int i = 0; i < n; i++)
        {
            double g = maximize ? -grad[i] : grad[i];
            if (decoupled) theta[i] = theta[i] - lr * weightDecay * theta[i];
            else if (weightDecay != 0) g = g + weightDecay * theta[i];
            m[i] = beta1 * m[i] + (1 - beta1) * g;
            v[i] = beta2 * v[i] + (1 - beta2) * g * g;
            double mHat = m[i] / (1 - Math.Pow(beta1, t));
            double vHat;
            if (amsgrad)
            {
                vMax[i] = Math.Max(vMax[i], v[i]);
                vHat = vMax[i] / (1 - Math.Pow(beta2, t));
            }
            else vHat = v[i] / (1 - Math.Pow(beta2, t));
            theta[i] = theta[i] - lr * mHat / (Math.Sqrt(vHat) + eps);
        }
    }
}

/// <summary>Runs an optimizer and one reference per parameter side by side on the same pseudo-random gradients.</summary>
internal static class OptimHarness
{
    // small shapes for the scalar code, and sizes that are not a multiple of any vector width for the vectorised loops
    static readonly int[][] Shapes = [[3], [2, 3], [1], [7], [5, 7], [33]];

    /// <summary>
    /// <paramref name="steps"/> steps; parameter 1 gets no gradient (Grad == null) on odd steps, so it must be skipped:
    /// its reference is not stepped either (no state change, no step count). Compares all parameters after every step.
    /// </summary>
    public static void MatchesReference(Func<Tensor[], Optimizer> makeOptimizer, Func<IReferenceOptimizer> makeReference, DType dtype, int steps = 8)
    {
        var rng = new Random(17);
        var values = Shapes.Select(s => RandomArray(rng, Numel(s), dtype)).ToArray();
        var parameters = Shapes.Select((s, k) => Make(values[k], s, dtype).RequiresGrad_()).ToArray();
        var optimizer = makeOptimizer(parameters);
        var references = Shapes.Select(_ => makeReference()).ToArray();
        double tol = dtype == DType.Float64 ? 1e-12 : 2e-5;

        for (int step = 0; step < steps; step++)
        {
            for (int k = 0; k < parameters.Length; k++)
            {
                if (k == 1 && step % 2 == 1)
                {
                    parameters[k].Grad = null;
                    continue;
                }
                var g = RandomArray(rng, values[k].Length, dtype);
                parameters[k].Grad = Make(g, Shapes[k], dtype);
                references[k].Step(values[k], g);
            }
            optimizer.Step();
            for (int k = 0; k < parameters.Length; k++)
            {
                var actual = parameters[k].ToArray<double>();
                for (int i = 0; i < actual.Length; i++)
                    Assert.True(Math.Abs(actual[i] - values[k][i]) <= tol * (1 + Math.Abs(values[k][i])),
                        $"step {step + 1}, parameter {k}, element {i}: optimizer {actual[i]:R}, reference {values[k][i]:R}");
            }
        }
    }

    public static int Numel(int[] shape) => shape.Aggregate(1, (a, b) => a * b);

    /// <summary>Values in [-2, 2), rounded to float32 when the test runs in float32 so both sides start equal.</summary>
    public static double[] RandomArray(Random rng, int n, DType dtype)
    {
        var a = new double[n];
        for (int i = 0; i < n; i++)
        {
            a[i] = rng.NextDouble() * 4 - 2;
            if (dtype == DType.Float32) a[i] = (float)a[i];
        }
        return a;
    }

    public static Tensor Make(double[] values, int[] shape, DType dtype) =>
        dtype == DType.Float64 ? Tensor.FromArray(values, shape) : Tensor.FromArray(values.Select(v => (float)v).ToArray(), shape);
}
