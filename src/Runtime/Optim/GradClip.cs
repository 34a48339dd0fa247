namespace DeepGen.Optim;

/// <summary>Gradient clipping, as PyTorch's <c>torch.nn.utils.clip_grad_norm_</c> and <c>clip_grad_value_</c>.</summary>
public static class GradClip
{
    /// <summary>
    /// Scales the gradients of <paramref name="parameters"/> in place so that their total norm (the norm of all
    /// gradients concatenated) is at most <paramref name="maxNorm"/>, and returns the total norm before clipping.
    /// The scale is maxNorm / (total + 1e-6), applied only when below 1. <paramref name="normType"/> is any
    /// positive p, or <see cref="double.PositiveInfinity"/> for the max-abs norm. Parameters without a gradient
    /// are ignored; with none at all the norm is 0.
    /// </summary>
    public static double ClipGradNorm(IEnumerable<Tensor> parameters, double maxNorm, double normType = 2, bool errorIfNonfinite = false)
    {
        if (!(maxNorm >= 0))
            throw new ArgumentException($"clip_grad_norm: maxNorm must be >= 0, got {Hyper.Format(maxNorm)}");
        if (!(normType > 0))
            throw new ArgumentException($"clip_grad_norm: normType must be positive (or infinity), got {Hyper.Format(normType)}");
        var grads = Gradients(parameters, "clip_grad_norm");
        if (grads.Count == 0) return 0;

        bool inf = double.IsPositiveInfinity(normType);
        double accumulated = 0; // max |g| for the inf norm, else the sum of |g|^p
        foreach (var g in grads)
        {
            var c = g.RawContiguous();
            double part = c.DType == DType.Float32 ? NormPart<float>(c.ContiguousSpan<float>(), normType) : NormPart<double>(c.ContiguousSpan<double>(), normType);
            accumulated = inf ? Math.Max(accumulated, part) : accumulated + part;
        }
        double total = inf ? accumulated : normType == 1 ? accumulated : normType == 2 ? Math.Sqrt(accumulated) : Math.Pow(accumulated, 1 / normType);

        if (errorIfNonfinite && !double.IsFinite(total))
            throw new InvalidOperationException(
                $"clip_grad_norm: the total norm of order {Hyper.Format(normType)} for gradients from parameters is non-finite, so it cannot be clipped. " +
                "To disable this error and scale the gradients by the non-finite norm anyway, pass errorIfNonfinite: false");

        // Math.Min keeps a NaN coefficient, so a NaN norm poisons the gradients as it does in PyTorch
        double coefficient = Math.Min(maxNorm / (total + 1e-6), 1.0);
        if (!(coefficient >= 1))
            foreach (var g in grads)
                Modify(g, coefficient, static (span, c) => Scale(span, c), static (span, c) => Scale(span, c));
        return total;
    }

    /// <summary>Clamps every gradient element of <paramref name="parameters"/> to [-clipValue, clipValue] in place (NaN stays NaN).</summary>
    public static void ClipGradValue(IEnumerable<Tensor> parameters, double clipValue)
    {
        if (!(clipValue >= 0))
            throw new ArgumentException($"clip_grad_value: clipValue must be >= 0, got {Hyper.Format(clipValue)}");
        foreach (var g in Gradients(parameters, "clip_grad_value"))
            Modify(g, clipValue, static (span, c) => Clamp(span, (float)c), static (span, c) => Clamp(span, c));
    }

    static List<Tensor> Gradients(IEnumerable<Tensor> parameters, string op)
    {
        var grads = new List<Tensor>();
        foreach (var p in parameters)
        {
            if (p?.Grad is not { } g) continue;
            if (!g.DType.IsFloatingPoint())
                throw new ArgumentException($"{op}: gradients must be float32 or float64, got one of dtype {g.DType.Name()} (shape {Shapes.Format(g.Shape)})");
            grads.Add(g);
        }
        return grads;
    }

    /// <summary>Sum of |x|^p over the span (max |x| for p = infinity), accumulated in double.</summary>
    static double NormPart<T>(ReadOnlySpan<T> values, double p) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        double acc = 0;
        if (double.IsPositiveInfinity(p))
        {
            foreach (var v in values)
            {
                double a = Math.Abs(double.CreateTruncating(v));
                if (a > acc || double.IsNaN(a)) acc = a;
                if (double.IsNaN(acc)) break;
            }
        }
        else if (p == 2)
            foreach (var v in values) { double d = double.CreateTruncating(v); acc += d * d; }
        else if (p == 1)
            foreach (var v in values) acc += Math.Abs(double.CreateTruncating(v));
        else
            foreach (var v in values) acc += Math.Pow(Math.Abs(double.CreateTruncating(v)), p);
        return acc;
    }

    static void Scale(Span<float> values, double c)
    {
        float f = (float)c;
        for (int i = 0; i < values.Length; i++) values[i] *= f;
    }

    static void Scale(Span<double> values, double c)
    {
        for (int i = 0; i < values.Length; i++) values[i] *= c;
    }

    static void Clamp<T>(Span<T> values, T limit) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        for (int i = 0; i < values.Length; i++)
        {
            T v = values[i];
            if (v > limit) values[i] = limit;
            else if (v < -limit) values[i] = -limit;
        }
    }

    /// <summary>
    /// Runs an in-place kernel over a gradient's elements and bumps its version. A non-contiguous gradient is
    /// processed in a contiguous copy that is written back.
    /// </summary>
    static void Modify(Tensor g, double arg, Action<Span<float>, double> onFloat, Action<Span<double>, double> onDouble)
    {
        var target = g.RawContiguous();
        if (target.DType == DType.Float32) onFloat(target.ContiguousSpan<float>(), arg);
        else onDouble(target.ContiguousSpan<double>(), arg);
        if (ReferenceEquals(target, g)) g.storage.Version++;
        else g.CopyRaw(target);
    }
}
