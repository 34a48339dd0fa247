namespace DeepGen.Kernels;

/// <summary>
/// Negative log-likelihood over class scores laid out as a contiguous [N, C, S] tensor (class dim in the
/// middle with stride S; S is the product of any extra dims), one target per (n, s). With
/// <c>fuseLogSoftmax</c> the scores are logits and log_softmax is applied on the fly (cross_entropy);
/// otherwise they are already log-probabilities (nll_loss). Label smoothing follows PyTorch: sample i costs
/// (1 - eps) * w[t] * -logp[t] + (eps / C) * sum_c w[c] * -logp[c]; ignored targets cost nothing and carry no weight.
/// </summary>
internal sealed class ClassLoss
{
    public required int N, C, S;
    public required long[] Targets;
    public required double[]? Weight;
    public required long IgnoreIndex;
    public required double Smoothing;
    public required bool FuseLogSoftmax;

    /// <summary>log(sum(exp(z))) per (n, s) from the forward, reused by the backward (zero without fusion).</summary>
    public double[] Lse = [];

    /// <summary>Each row's maximum logit, saved by the float32 rows kernel's forward so its backward need not find it again.</summary>
    public float[] RowMax = [];

    /// <summary>The sum of w[t] over targets that are not ignored: the divisor of the mean reduction.</summary>
    public double TotalWeight;

    public double WeightOf(long c) => Weight is null ? 1 : Weight[c];

    /// <summary>Per-sample losses (0 for ignored targets), in target order.</summary>
    public double[] Forward<T>(ReadOnlySpan<T> input) where T : unmanaged
    {
        var losses = new double[N * S];
        Lse = new double[N * S];
        TotalWeight = 0;
        for (int n = 0; n < N; n++)
            for (int s = 0; s < S; s++)
            {
                int i = n * S + s, b = n * C * S + s;
                double lse = 0;
                if (FuseLogSoftmax)
                {
                    double max = double.NegativeInfinity, sum = 0;
                    for (int c = 0; c < C; c++) max = Math.Max(max, Cast.ToDouble(input[b + c * S]));
                    for (int c = 0; c < C; c++) sum += Math.Exp(Cast.ToDouble(input[b + c * S]) - max);
                    lse = Lse[i] = max + Math.Log(sum);
                }
                long t = Targets[i];
                if (t == IgnoreIndex) continue;
                double wt = WeightOf(t);
                double loss = (1 - Smoothing) * wt * -(Cast.ToDouble(input[b + (int)t * S]) - lse);
                if (Smoothing != 0)
                {
                    double smooth = 0;
                    for (int c = 0; c < C; c++) smooth += WeightOf(c) * -(Cast.ToDouble(input[b + c * S]) - lse);
                    loss += Smoothing / C * smooth;
                }
                losses[i] = loss;
                TotalWeight += wt;
            }
        return losses;
    }

    /// <summary>
    /// Gradients given the loss's upstream gradient per sample (<paramref name="scale"/>[i], already divided by
    /// the total weight for "mean"). For score k of sample i with target t:
    /// fused:  scale * (p[k] * ((1 - eps) w[t] + eps/C sum_c w[c]) - (1 - eps) w[t] [k == t] - eps/C w[k]),
    /// unfused: the same without the p[k] term. The weight gradient is
    /// sum_i scale[i] ((1 - eps) [t_i == c] (-logp[t_i]) + eps/C (-logp[c])), minus
    /// <paramref name="meanCorrection"/> * (number of targets of class c) for "mean", whose divisor depends on the weights too.
    /// </summary>
    public void Backward<T>(ReadOnlySpan<T> input, ReadOnlySpan<double> scale, Span<T> gradInput, double[]? gradWeight, double meanCorrection)
        where T : unmanaged
    {
        double weightSum = 0;
        for (int c = 0; c < C; c++) weightSum += WeightOf(c);
        for (int n = 0; n < N; n++)
            for (int s = 0; s < S; s++)
            {
                int i = n * S + s, b = n * C * S + s;
                long t = Targets[i];
                if (t == IgnoreIndex) continue;
                double g = scale[i], wt = WeightOf(t), lse = Lse[i];
                if (!gradInput.IsEmpty)
                {
                    double pCoefficient = FuseLogSoftmax ? (1 - Smoothing) * wt + Smoothing / C * weightSum : 0;
                    for (int c = 0; c < C; c++)
                    {
                        double v = -Smoothing / C * WeightOf(c);
                        if (c == t) v -= (1 - Smoothing) * wt;
                        if (FuseLogSoftmax) v += Math.Exp(Cast.ToDouble(input[b + c * S]) - lse) * pCoefficient;
                        gradInput[b + c * S] = Cast.FromDouble<T>(g * v);
                    }
                }
                if (gradWeight is not null)
                {
                    gradWeight[t] += g * (1 - Smoothing) * -(Cast.ToDouble(input[b + (int)t * S]) - lse) - meanCorrection;
                    if (Smoothing != 0)
                        for (int c = 0; c < C; c++) gradWeight[c] += g * Smoothing / C * -(Cast.ToDouble(input[b + c * S]) - lse);
                }
            }
    }
}
