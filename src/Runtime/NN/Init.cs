namespace DeepGen;

/// <summary>
/// Parameter initialisation with PyTorch's names and formulas (<c>torch.nn.init</c>). Each fills the tensor
/// in place, outside autograd, from the seeded generator (the default one unless given).
/// </summary>
public static class Init
{
    public static Tensor Uniform_(Tensor t, double low = 0, double high = 1, Generator? generator = null)
    {
        var g = generator ?? Generator.Default;
        return Fill(t, "uniform_", () => low + (high - low) * g.NextDouble());
    }

    public static Tensor Normal_(Tensor t, double mean = 0, double std = 1, Generator? generator = null)
    {
        var g = generator ?? Generator.Default;
        return Fill(t, "normal_", () => mean + std * g.NextNormal());
    }

    public static Tensor Constant_(Tensor t, double value) => Fill(t, "constant_", () => value);

    public static Tensor Zeros_(Tensor t) => Constant_(t, 0);

    public static Tensor Ones_(Tensor t) => Constant_(t, 1);

    /// <summary>The recommended gain for a nonlinearity, as <c>torch.nn.init.calculate_gain</c>.</summary>
    public static double CalculateGain(string nonlinearity, double? param = null) => nonlinearity switch
    {
        "linear" or "conv1d" or "conv2d" or "conv3d" or "sigmoid" => 1,
        "tanh" => 5.0 / 3,
        "relu" => Math.Sqrt(2.0),
        "leaky_relu" => Math.Sqrt(2.0 / (1 + Math.Pow(param ?? 0.01, 2))),
        "selu" => 3.0 / 4,
        _ => throw new ArgumentException($"calculate_gain: unsupported nonlinearity \"{nonlinearity}\""),
    };

    /// <summary>fan_in and fan_out of a weight: [out, in, *kernel] gives in*k and out*k.</summary>
    public static (int FanIn, int FanOut) CalculateFanInAndFanOut(Tensor t)
    {
        if (t.Rank < 2)
            throw new ArgumentException($"fan in and fan out cannot be computed for a tensor with fewer than 2 dimensions (shape {Shapes.Format(t.Shape)})");
        int receptive = 1;
        for (int i = 2; i < t.Rank; i++) receptive *= t.Shape[i];
        return (t.Shape[1] * receptive, t.Shape[0] * receptive);
    }

    /// <summary>He initialisation: U(-b, b) with b = gain * sqrt(3 / fan). Linear and Conv2d use a = sqrt(5).</summary>
    public static Tensor KaimingUniform_(Tensor t, double a = 0, string mode = "fan_in", string nonlinearity = "leaky_relu", Generator? generator = null)
    {
        double std = CalculateGain(nonlinearity, a) / Math.Sqrt(Fan(t, mode));
        double bound = Math.Sqrt(3.0) * std;
        return Uniform_(t, -bound, bound, generator);
    }

    public static Tensor KaimingNormal_(Tensor t, double a = 0, string mode = "fan_in", string nonlinearity = "leaky_relu", Generator? generator = null) =>
        Normal_(t, 0, CalculateGain(nonlinearity, a) / Math.Sqrt(Fan(t, mode)), generator);

    /// <summary>Glorot initialisation: U(-b, b) with b = gain * sqrt(6 / (fan_in + fan_out)).</summary>
    public static Tensor XavierUniform_(Tensor t, double gain = 1, Generator? generator = null)
    {
        var (fanIn, fanOut) = CalculateFanInAndFanOut(t);
        double bound = gain * Math.Sqrt(6.0 / (fanIn + fanOut));
        return Uniform_(t, -bound, bound, generator);
    }

    public static Tensor XavierNormal_(Tensor t, double gain = 1, Generator? generator = null)
    {
        var (fanIn, fanOut) = CalculateFanInAndFanOut(t);
        return Normal_(t, 0, gain * Math.Sqrt(2.0 / (fanIn + fanOut)), generator);
    }

    static int Fan(Tensor t, string mode)
    {
        var (fanIn, fanOut) = CalculateFanInAndFanOut(t);
        return mode switch
        {
            "fan_in" => fanIn,
            "fan_out" => fanOut,
            _ => throw new ArgumentException($"kaiming init: mode \"{mode}\" is not supported, use \"fan_in\" or \"fan_out\""),
        };
    }

    static Tensor Fill(Tensor t, string op, Func<double> next)
    {
        if (!t.DType.IsFloatingPoint()) throw new ArgumentException($"{op}: expects a floating point tensor, got {t.DType.Name()}");
        if (!t.IsContiguous) throw new ArgumentException($"{op}: expects a contiguous tensor (shape {Shapes.Format(t.Shape)})");
        if (t.DType == DType.Float32)
        {
            var span = t.ContiguousSpan<float>();
            for (int i = 0; i < span.Length; i++) span[i] = (float)next();
        }
        else
        {
            var span = t.ContiguousSpan<double>();
            for (int i = 0; i < span.Length; i++) span[i] = next();
        }
        t.storage.Version++;
        return t;
    }
}
