namespace DeepGen;

/// <summary>
/// PyTorch's <c>torch.nn.functional</c>: stateless functions over tensors. Each group of functions lives in
/// its own file (F.Activations.cs, ...).
/// </summary>
public static partial class F
{
    public static Tensor Relu(Tensor input) => input.Relu();

    /// <summary>GELU; <paramref name="approximate"/> is "none" (exact, with erf) or "tanh".</summary>
    public static Tensor Gelu(Tensor input, string approximate = "none") => input.Gelu(approximate);

    public static Tensor Silu(Tensor input) => input.Silu();

    public static Tensor Sigmoid(Tensor input) => input.Sigmoid();

    public static Tensor Tanh(Tensor input) => input.Tanh();

    public static Tensor Softplus(Tensor input, double beta = 1, double threshold = 20) => input.Softplus(beta, threshold);

    public static Tensor LeakyRelu(Tensor input, double negativeSlope = 0.01) => input.LeakyRelu(negativeSlope);
}
