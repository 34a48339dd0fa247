namespace DeepGen;

/// <summary>How a loss combines its per-element values: PyTorch's <c>reduction</c> argument.</summary>
internal enum LossReduction
{
    None,
    Mean,
    Sum,
}

/// <summary>Parsing of the reduction string, and the forward and backward of reducing per-element losses.</summary>
internal static class LossReductions
{
    public static LossReduction Parse(string reduction, string op) => reduction switch
    {
        "none" => LossReduction.None,
        "mean" => LossReduction.Mean,
        "sum" => LossReduction.Sum,
        _ => throw new ArgumentException($"{op}: '{reduction}' is not a valid value for reduction; expected 'none', 'mean' or 'sum'"),
    };

    /// <summary>
    /// The loss tensor: the per-element <paramref name="losses"/> in <paramref name="shape"/> for "none",
    /// else their sum (divided by <paramref name="divisor"/> for "mean") as a 0-d tensor.
    /// </summary>
    public static Tensor Reduce(double[] losses, int[] shape, DType dtype, LossReduction reduction, double divisor)
    {
        if (reduction == LossReduction.None)
        {
            var result = new Tensor(shape, DType.Float64);
            losses.CopyTo(result.Data<double>(), 0);
            return result.RawTo(dtype);
        }
        double sum = 0;
        foreach (var l in losses) sum += l;
        return Tensor.Scalar(reduction == LossReduction.Mean ? sum / divisor : sum, dtype);
    }

    /// <summary>The upstream gradient of each per-element loss, given the gradient of the reduced loss.</summary>
    public static double[] Scales(Tensor grad, int count, LossReduction reduction, double divisor)
    {
        var scales = new double[count];
        if (reduction == LossReduction.None)
        {
            var g = grad.RawTo(DType.Float64).RawContiguous().ContiguousSpan<double>();
            g.CopyTo(scales);
        }
        else
        {
            double g = grad.Item<double>();
            Array.Fill(scales, reduction == LossReduction.Mean ? g / divisor : g);
        }
        return scales;
    }
}
