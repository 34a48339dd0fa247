using DeepGen.Autograd;
using DeepGen.Kernels;

namespace DeepGen;

// Softmax and log-softmax along one dim, stable for large logits, with backward from the saved output.
public sealed partial class Tensor
{
    /// <summary>exp(x) / sum(exp(x)) along <paramref name="dim"/> (the max is subtracted first, so large inputs do not overflow).</summary>
    public Tensor Softmax(int dim) => SoftmaxOp(dim, log: false);

    /// <summary>x - log(sum(exp(x))) along <paramref name="dim"/>: the log of <see cref="Softmax"/>, computed without taking a log of a rounded 0.</summary>
    public Tensor LogSoftmax(int dim) => SoftmaxOp(dim, log: true);

    Tensor SoftmaxOp(int dim, bool log)
    {
        string op = log ? "log_softmax" : "softmax";
        int d = Shapes.NormalizeDim(dim, Rank, op);
        if (!DType.IsFloatingPoint()) throw Elementwise.Unsupported(op, DType);
        var x = RawContiguous();
        var (outer, size, inner) = SoftmaxKernels.Split(shape, d);
        // every kernel writes every element
        var result = Uninitialized(ShapeArray(), DType);
        // the common case, a softmax over the last dim in float32, has a vectorised multi-threaded kernel
        bool floatRows = DType == DType.Float32 && inner == 1 && size > 0;
        if (floatRows) SoftmaxRowsFloat.Forward(x.Data<float>(), x.offset, result.Data<float>(), 0, outer, size, log);
        else if (DType == DType.Float32) SoftmaxKernels.Forward<float>(x.BlockSpan<float>(), result.Data<float>(), outer, size, inner, log);
        else SoftmaxKernels.Forward<double>(x.BlockSpan<double>(), result.Data<double>(), outer, size, inner, log);
        if (GradMode.ShouldRecord(this))
        {
            var node = new Node(op, this);
            var savedResult = node.Save(result);
            node.SetBackward(g => [SoftmaxBackward(savedResult.Get(), g.RawContiguous(), d, log)]);
            result.WithGradFn(node);
        }
        return result;
    }

    /// <summary>
    /// The input gradient of softmax (or log_softmax) along <paramref name="dim"/> from its contiguous output
    /// <paramref name="y"/> and a contiguous gradient of the same dtype. Shared by the eager op and the compiled path.
    /// </summary>
    internal static Tensor SoftmaxBackward(Tensor y, Tensor grad, int dim, bool log)
    {
        var (outer, size, inner) = SoftmaxKernels.Split(y.shape, dim);
        var gx = Uninitialized(y.ShapeArray(), y.DType);
        if (y.DType == DType.Float32 && inner == 1 && size > 0) SoftmaxRowsFloat.Backward(y.Data<float>(), y.offset, grad.Data<float>(), grad.offset, gx.Data<float>(), outer, size, log);
        else if (y.DType == DType.Float32) SoftmaxKernels.Backward<float>(y.BlockSpan<float>(), grad.BlockSpan<float>(), gx.Data<float>(), outer, size, inner, log);
        else SoftmaxKernels.Backward<double>(y.BlockSpan<double>(), grad.BlockSpan<double>(), gx.Data<double>(), outer, size, inner, log);
        return gx;
    }
}
