namespace DeepGen.Kernels;

/// <summary>
/// Layer normalisation over contiguous rows of length D: y = (x - mean) * rstd * w + b with the biased
/// variance, and its analytic backward. Row statistics are kept in double for the backward.
/// </summary>
internal static class LayerNormKernels
{
    public static void Forward<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> weight, ReadOnlySpan<T> bias, Span<T> y, int d, double eps, double[] mean, double[] rstd)
        where T : unmanaged
    {
        for (int r = 0, o = 0; r < mean.Length; r++, o += d)
        {
            var row = x.Slice(o, d);
            double sum = 0;
            for (int j = 0; j < d; j++) sum += Cast.ToDouble(row[j]);
            double m = sum / d;
            double squares = 0;
            for (int j = 0; j < d; j++)
            {
                double dev = Cast.ToDouble(row[j]) - m;
                squares += dev * dev;
            }
            double s = 1 / Math.Sqrt(squares / d + eps);
            mean[r] = m;
            rstd[r] = s;
            var outRow = y.Slice(o, d);
            for (int j = 0; j < d; j++)
            {
                double v = (Cast.ToDouble(row[j]) - m) * s;
                if (!weight.IsEmpty) v *= Cast.ToDouble(weight[j]);
                if (!bias.IsEmpty) v += Cast.ToDouble(bias[j]);
                outRow[j] = Cast.FromDouble<T>(v);
            }
        }
    }

    /// <summary>
    /// With xhat = (x - mean) * rstd and dxhat = g * w:
    /// dx = rstd * (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat)), dw = sum over rows of g * xhat, db = sum of g.
    /// Outputs that are empty spans are not computed.
    /// </summary>
    public static void Backward<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> weight, ReadOnlySpan<T> g, int d, double[] mean, double[] rstd,
        Span<T> dx, Span<T> dweight, Span<T> dbias) where T : unmanaged
    {
        var dw = new double[dweight.IsEmpty ? 0 : d];
        var db = new double[dbias.IsEmpty ? 0 : d];
        for (int r = 0, o = 0; r < mean.Length; r++, o += d)
        {
            var row = x.Slice(o, d);
            var gRow = g.Slice(o, d);
            double m = mean[r], s = rstd[r];
            double sumDxhat = 0, sumDxhatXhat = 0;
            for (int j = 0; j < d; j++)
            {
                double xhat = (Cast.ToDouble(row[j]) - m) * s;
                double gv = Cast.ToDouble(gRow[j]);
                double dxhat = weight.IsEmpty ? gv : gv * Cast.ToDouble(weight[j]);
                sumDxhat += dxhat;
                sumDxhatXhat += dxhat * xhat;
                if (dw.Length > 0) dw[j] += gv * xhat;
                if (db.Length > 0) db[j] += gv;
            }
            if (dx.IsEmpty) continue;
            double a = sumDxhat / d, b = sumDxhatXhat / d;
            var dxRow = dx.Slice(o, d);
            for (int j = 0; j < d; j++)
            {
                double xhat = (Cast.ToDouble(row[j]) - m) * s;
                double gv = Cast.ToDouble(gRow[j]);
                double dxhat = weight.IsEmpty ? gv : gv * Cast.ToDouble(weight[j]);
                dxRow[j] = Cast.FromDouble<T>(s * (dxhat - a - xhat * b));
            }
        }
        for (int j = 0; j < dw.Length; j++) dweight[j] = Cast.FromDouble<T>(dw[j]);
        for (int j = 0; j < db.Length; j++) dbias[j] = Cast.FromDouble<T>(db[j]);
    }
}
