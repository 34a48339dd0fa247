using DeepGen.Fusion.Autodiff;
using DeepGen.Fusion.Ir;
using Xunit;

namespace DeepGen.Fusion.Tests.Reference;

/// <summary>
/// Checks the compiler's derivative rules: the generated backward graph, run by the reference
/// interpreter, must match central finite differences of the forward graph in float64.
/// </summary>
internal static class GradCheck
{
    public static void Check(IrGraph forward, IReadOnlyDictionary<string, RefTensor> sources, int seed = 7)
    {
        TrainingGraphs t = Differentiator.Derive(forward);
        var random = new Random(seed);
        IReadOnlyList<RefTensor> outputs = Interpreter.Run(t.Forward, sources);
        var seeds = outputs.Take(t.UserOutputs).Select(o => RefTensor.Random(random, o.Shape)).ToList();

        var backwardSources = new Dictionary<string, RefTensor>();
        for (int k = 0; k < seeds.Count; k++)
        {
            backwardSources["grad" + k] = seeds[k];
        }

        for (int i = 0; i < t.Saved.Count; i++)
        {
            backwardSources["saved" + i] = outputs[t.UserOutputs + i];
        }

        IReadOnlyList<RefTensor> grads = Interpreter.Run(t.Backward, backwardSources);
        Assert.NotEmpty(t.Grads);
        foreach (GradTarget target in t.Grads)
        {
            RefTensor analytic = grads[target.BackwardOutput];
            RefTensor input = sources[target.Name];
            Assert.Equal(input.Shape, analytic.Shape);
            for (int j = 0; j < input.Data.Length; j++)
            {
                double numeric = Numeric(forward, sources, seeds, input, j);
                double tolerance = 1e-6 + (1e-5 * Math.Abs(numeric));
                if (Math.Abs(numeric - analytic.Data[j]) > tolerance)
                {
                    Assert.Fail($"d/d {target.Name}[{j}] of {forward.Name}: backward graph gives {analytic.Data[j]}, finite differences {numeric}\n{t.Backward}");
                }
            }
        }
    }

    private static double Numeric(IrGraph forward, IReadOnlyDictionary<string, RefTensor> sources, List<RefTensor> seeds, RefTensor input, int j)
    {
        const double h = 1e-6;
        double original = input.Data[j];
        input.Data[j] = original + h;
        double plus = Loss(forward, sources, seeds);
        input.Data[j] = original - h;
        double minus = Loss(forward, sources, seeds);
        input.Data[j] = original;
        return (plus - minus) / (2 * h);
    }

    private static double Loss(IrGraph forward, IReadOnlyDictionary<string, RefTensor> sources, List<RefTensor> seeds)
    {
        IReadOnlyList<RefTensor> outputs = Interpreter.Run(forward, sources);
        double loss = 0;
        for (int k = 0; k < seeds.Count; k++)
        {
            for (int i = 0; i < seeds[k].Data.Length; i++)
            {
                loss += outputs[k].Data[i] * seeds[k].Data[i];
            }
        }

        return loss;
    }
}
