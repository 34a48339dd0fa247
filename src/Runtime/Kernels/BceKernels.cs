namespace DeepGen.Kernels;

/// <summary>
/// Binary cross-entropy on logits x with targets y, optional weight w and positive-class weight p (all the
/// same length, already broadcast), in PyTorch's stable form:
/// loss = w * ((1 - y) x + (1 + (p - 1) y) * softplus(-x)), softplus(-x) = max(-x, 0) + log1p(exp(-|x|)).
/// </summary>
internal static class BceKernels
{
    static double SoftplusOfNegative(double x) => Math.Max(-x, 0) + Log1p(Math.Exp(-Math.Abs(x)));

    /// <summary>log(1 + e), accurate for small e (Goldberg's trick; Math.Log(1 + e) loses e entirely below 1e-16).</summary>
    static double Log1p(double e)
    {
        double u = 1 + e;
        return u == 1 ? e : Math.Log(u) * e / (u - 1);
    }

    static double Sigmoid(double x) => x >= 0 ? 1 / (1 + Math.Exp(-x)) : Math.Exp(x) / (1 + Math.Exp(x));

    public static void Forward<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, ReadOnlySpan<T> w, ReadOnlySpan<T> p, Span<double> loss) where T : unmanaged
    {
        for (int i = 0; i < loss.Length; i++)
        {
            double xv = Cast.ToDouble(x[i]), yv = Cast.ToDouble(y[i]);
            double logWeight = p.IsEmpty ? 1 : 1 + (Cast.ToDouble(p[i]) - 1) * yv;
            double l = (1 - yv) * xv + logWeight * SoftplusOfNegative(xv);
            loss[i] = w.IsEmpty ? l : l * Cast.ToDouble(w[i]);
        }
    }

    /// <summary>
    /// Gradients scaled by <paramref name="scale"/>[i]: dx = w ((1 + (p - 1) y)(sigmoid(x) - 1) + 1 - y),
    /// dy = w (-x + (p - 1) softplus(-x)), dw = the unweighted loss, dp = w y softplus(-x).
    /// Outputs that are empty spans are not computed.
    /// </summary>
    public static void Backward<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, ReadOnlySpan<T> w, ReadOnlySpan<T> p, ReadOnlySpan<double> scale,
        Span<T> dx, Span<T> dy, Span<T> dw, Span<T> dp) where T : unmanaged
    {
        for (int i = 0; i < scale.Length; i++)
        {
            double xv = Cast.ToDouble(x[i]), yv = Cast.ToDouble(y[i]);
            double pv = p.IsEmpty ? 1 : Cast.ToDouble(p[i]);
            double wv = w.IsEmpty ? 1 : Cast.ToDouble(w[i]);
            double g = scale[i], sp = SoftplusOfNegative(xv), logWeight = 1 + (pv - 1) * yv;
            if (!dx.IsEmpty) dx[i] = Cast.FromDouble<T>(g * wv * (logWeight * (Sigmoid(xv) - 1) + 1 - yv));
            if (!dy.IsEmpty) dy[i] = Cast.FromDouble<T>(g * wv * (-xv + (pv - 1) * sp));
            if (!dw.IsEmpty) dw[i] = Cast.FromDouble<T>(g * ((1 - yv) * xv + logWeight * sp));
            if (!dp.IsEmpty) dp[i] = Cast.FromDouble<T>(g * wv * yv * sp);
        }
    }
}
