using DeepGen.Autograd;
using DeepGen.Kernels;

namespace DeepGen;

// Unary math. Integral inputs are computed in float32, as PyTorch does for exp, log and friends.
public sealed partial class Tensor
{
    public Tensor Exp()
    {
        var result = Elementwise.FloatUnary<ExpFn>(AsFloating(), "exp");
        if (GradMode.ShouldRecord(this))
        {
            var node = new Node("exp", this);
            var saved = node.Save(result);
            node.SetBackward(g => [g * saved.Get()]);
            result.WithGradFn(node);
        }
        return result;
    }

    public Tensor Log()
    {
        var result = Elementwise.FloatUnary<LogFn>(AsFloating(), "log");
        if (GradMode.ShouldRecord(this))
        {
            var node = new Node("log", this);
            var saved = node.Save(this);
            node.SetBackward(g => [g / saved.Get()]);
            result.WithGradFn(node);
        }
        return result;
    }

    /// <summary>This tensor's values in a floating dtype (float32 for integral and bool tensors), recording nothing.</summary>
    internal Tensor AsFloating() => DType.IsFloatingPoint() ? this : RawTo(DType.Float32);
}
