using DeepGen.Fusion.Ir;

namespace DeepGen.Fusion.Tests.Reference;

/// <summary>Reference scaled dot-product attention: the textbook softmax(q k^T * scale) v, and its backward.</summary>
internal static class RefAttention
{
    public static RefTensor[] Forward(RefTensor q, RefTensor k, RefTensor v, Attrs a)
    {
        (int batches, int l, int s, int e, int ev) = Sizes(q, k, v);
        double scale = Scale(a, e);
        var output = new RefTensor([.. q.Shape[..^1], ev]);
        var lse = new RefTensor(q.Shape[..^1]);
        for (int b = 0; b < batches; b++)
        for (int i = 0; i < l; i++)
        {
            double[] p = Weights(q, k, b, i, l, s, e, scale, a.Bool("is_causal", false), out double logSumExp);
            lse.Data[(b * l) + i] = logSumExp;
            for (int j = 0; j < s; j++)
            for (int t = 0; t < ev; t++)
            {
                output.Data[(((b * l) + i) * ev) + t] += p[j] * v.Data[(((b * s) + j) * ev) + t];
            }
        }

        return [output, lse];
    }

    /// <summary>(g, q, k, v, out, lse) -> (dq, dk, dv), recomputing the weights from q and k.</summary>
    public static RefTensor[] Backward(RefTensor g, RefTensor q, RefTensor k, RefTensor v, RefTensor output, Attrs a)
    {
        (int batches, int l, int s, int e, int ev) = Sizes(q, k, v);
        double scale = Scale(a, e);
        var dq = new RefTensor(q.Shape);
        var dk = new RefTensor(k.Shape);
        var dv = new RefTensor(v.Shape);
        for (int b = 0; b < batches; b++)
        for (int i = 0; i < l; i++)
        {
            double[] p = Weights(q, k, b, i, l, s, e, scale, a.Bool("is_causal", false), out _);
            double rowDot = 0;
            for (int t = 0; t < ev; t++)
            {
                rowDot += g.Data[(((b * l) + i) * ev) + t] * output.Data[(((b * l) + i) * ev) + t];
            }

            for (int j = 0; j < s; j++)
            {
                double dp = 0;
                for (int t = 0; t < ev; t++)
                {
                    double gi = g.Data[(((b * l) + i) * ev) + t];
                    dv.Data[(((b * s) + j) * ev) + t] += p[j] * gi;
                    dp += gi * v.Data[(((b * s) + j) * ev) + t];
                }

                double ds = p[j] * (dp - rowDot) * scale;
                for (int t = 0; t < e; t++)
                {
                    dq.Data[(((b * l) + i) * e) + t] += ds * k.Data[(((b * s) + j) * e) + t];
                    dk.Data[(((b * s) + j) * e) + t] += ds * q.Data[(((b * l) + i) * e) + t];
                }
            }
        }

        return [dq, dk, dv];
    }

    private static double[] Weights(RefTensor q, RefTensor k, int b, int i, int l, int s, int e, double scale, bool causal, out double logSumExp)
    {
        var scores = new double[s];
        for (int j = 0; j < s; j++)
        {
            double dot = 0;
            for (int t = 0; t < e; t++)
            {
                dot += q.Data[(((b * l) + i) * e) + t] * k.Data[(((b * s) + j) * e) + t];
            }

            scores[j] = causal && j > i ? double.NegativeInfinity : dot * scale;
        }

        double max = scores.Max();
        logSumExp = max + Math.Log(scores.Sum(x => Math.Exp(x - max)));
        double lse = logSumExp;
        return scores.Select(x => Math.Exp(x - lse)).ToArray();
    }

    private static (int Batches, int L, int S, int E, int Ev) Sizes(RefTensor q, RefTensor k, RefTensor v) =>
        (RefTensor.Numel(q.Shape[..^2]), q.Shape[^2], k.Shape[^2], q.Shape[^1], v.Shape[^1]);

    private static double Scale(Attrs a, int e) => a.Items.Any(x => x.Name == "scale") ? a.Real("scale") : 1 / Math.Sqrt(e);
}
