using DeepGen.Autograd;
using DeepGen.Kernels;

namespace DeepGen;

// Activation functions with autograd (PyTorch's semantics; F has the functional spellings).
public sealed partial class Tensor
{
    public Tensor Tanh() => FloatOp<TanhFn, TanhBackwardFn>("tanh", saveResult: true);

    /// <summary>1 / (1 + exp(-x)), computed without overflow.</summary>
    public Tensor Sigmoid() => FloatOp<SigmoidFn, SigmoidBackwardFn>("sigmoid", saveResult: true);

    /// <summary>max(x, 0), keeping the dtype (int64 stays int64); the gradient at 0 is 0.</summary>
    public Tensor Relu() => NumericOp<ReluFn, ReluBackwardFn>("relu", this, saveResult: true);

    /// <summary>In-place <see cref="Relu"/>.</summary>
    public Tensor Relu_()
    {
        if (DType == DType.Bool) throw Elementwise.Unsupported("relu_", DType);
        return InPlace("relu_", null, self => self.Relu(), () => ClampInPlace(this, 0, null));
    }

    /// <summary>
    /// Gaussian error linear unit: x * Phi(x) with <paramref name="approximate"/> "none", or PyTorch's tanh
    /// approximation with "tanh".
    /// </summary>
    public Tensor Gelu(string approximate = "none") => approximate switch
    {
        "none" => FloatOp<GeluFn, GeluBackwardFn>("gelu", saveResult: false),
        "tanh" => FloatOp<GeluTanhFn, GeluTanhBackwardFn>("gelu", saveResult: false),
        _ => throw new ArgumentException($"gelu: approximate must be \"none\" or \"tanh\", got \"{approximate}\""),
    };

    /// <summary>x * sigmoid(x) (also called swish).</summary>
    public Tensor Silu() => FloatOp<SiluFn, SiluBackwardFn>("silu", saveResult: false);

    /// <summary>log(1 + exp(beta x)) / beta, reverting to x where beta x &gt; threshold for stability.</summary>
    public Tensor Softplus(double beta = 1, double threshold = 20) =>
        FloatOpWith("softplus", new SoftplusFn(beta, threshold), new SoftplusBackwardFn(beta, threshold));

    /// <summary>x where x &gt; 0, else negativeSlope * x.</summary>
    public Tensor LeakyRelu(double negativeSlope = 0.01) =>
        FloatOpWith("leaky_relu", new LeakyReluFn(negativeSlope), new LeakyReluBackwardFn(negativeSlope));
}
