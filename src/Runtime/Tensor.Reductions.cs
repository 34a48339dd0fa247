using DeepGen.Autograd;
using DeepGen.Kernels;

namespace DeepGen;

// Mean, variance, standard deviation and log-sum-exp over dims, with autograd.
public sealed partial class Tensor
{
    /// <summary>Mean of all elements, as a 0-d tensor.</summary>
    public Tensor Mean() => Mean([], keepdim: false);

    public Tensor Mean(int dim, bool keepdim = false) => Mean([dim], keepdim);

    /// <summary>Mean over <paramref name="dims"/> (all dims when empty). Floating dtypes only, as in PyTorch.</summary>
    public Tensor Mean(int[] dims, bool keepdim = false)
    {
        RequireFloating("mean");
        var reduce = ReducedDims(dims, "mean");
        var (blocks, n) = ReductionLayout(reduce);
        var result = new Tensor(ReducedShape(reduce, keepdim), DType);
        if (DType == DType.Float32) Moments.Mean<float>(blocks.BlockSpan<float>(), n, result.Data<float>());
        else Moments.Mean<double>(blocks.BlockSpan<double>(), n, result.Data<double>());
        if (GradMode.ShouldRecord(this))
        {
            var node = new Node("mean", this);
            var keptShape = KeepDimShape(reduce);
            var inputShape = shape;
            node.SetBackward(g => [(g * (1.0 / n)).Reshape(keptShape).Expand(inputShape)]);
            result.WithGradFn(node);
        }
        return result;
    }

    /// <summary>Variance of all elements; <paramref name="correction"/> 1 is the unbiased estimator (PyTorch's default), 0 the biased one.</summary>
    public Tensor Var(double correction = 1) => Var([], keepdim: false, correction);

    public Tensor Var(int dim, bool keepdim = false, double correction = 1) => Var([dim], keepdim, correction);

    /// <summary>sum((x - mean)^2) / max(0, n - correction) over <paramref name="dims"/> (all dims when empty).</summary>
    public Tensor Var(int[] dims, bool keepdim = false, double correction = 1) => Moment(dims, keepdim, correction, "var");

    /// <summary>Standard deviation of all elements, the square root of <see cref="Var(double)"/>.</summary>
    public Tensor Std(double correction = 1) => Std([], keepdim: false, correction);

    public Tensor Std(int dim, bool keepdim = false, double correction = 1) => Std([dim], keepdim, correction);

    public Tensor Std(int[] dims, bool keepdim = false, double correction = 1) => Moment(dims, keepdim, correction, "std");

    Tensor Moment(int[] dims, bool keepdim, double correction, string op)
    {
        if (!DType.IsFloatingPoint())
            throw new NotSupportedException($"{op}: only floating point dtypes are supported, got {DType.Name()} (shape {Shapes.Format(shape)})");
        bool std = op == "std";
        var reduce = ReducedDims(dims, op);
        var (blocks, n) = ReductionLayout(reduce);
        var keptShape = KeepDimShape(reduce);
        var mean = new Tensor(keptShape, DType);
        var result = new Tensor(ReducedShape(reduce, keepdim), DType);
        if (DType == DType.Float32) Moments.MeanVar<float>(blocks.BlockSpan<float>(), n, mean.Data<float>(), result.Data<float>(), correction, std);
        else Moments.MeanVar<double>(blocks.BlockSpan<double>(), n, mean.Data<double>(), result.Data<double>(), correction, std);
        if (GradMode.ShouldRecord(this))
        {
            var node = new Node(op, this);
            var savedInput = node.Save(this);
            var savedResult = std ? node.Save(result) : null;
            // d var / dx = 2 (x - mean) / (n - correction); d std / dx = that / (2 std), taken as 0 where std is 0
            double scale = (std ? 1.0 : 2.0) / (n - correction);
            node.SetBackward(g =>
            {
                var factor = g.Reshape(keptShape);
                if (savedResult is not null) factor = factor * ReciprocalOrZero(savedResult.Get()).Reshape(keptShape);
                return [factor * (savedInput.Get() - mean) * scale];
            });
            result.WithGradFn(node);
        }
        return result;
    }

    /// <summary>1 / x elementwise, with 0 where x is 0 (the masked division of PyTorch's std backward).</summary>
    static Tensor ReciprocalOrZero(Tensor x)
    {
        var c = x.RawContiguous();
        var result = new Tensor(x.ShapeArray(), x.DType);
        if (x.DType == DType.Float32)
        {
            var s = c.ContiguousSpan<float>();
            var d = result.Data<float>();
            for (int i = 0; i < d.Length; i++) d[i] = s[i] == 0 ? 0 : 1 / s[i];
        }
        else
        {
            var s = c.ContiguousSpan<double>();
            var d = result.Data<double>();
            for (int i = 0; i < d.Length; i++) d[i] = s[i] == 0 ? 0 : 1 / s[i];
        }
        return result;
    }

    public Tensor LogSumExp(int dim, bool keepdim = false) => LogSumExp([dim], keepdim);

    /// <summary>
    /// log(sum(exp(x))) over <paramref name="dims"/> (all dims when empty), computed stably by subtracting the
    /// max. Integral inputs are computed in float32.
    /// </summary>
    public Tensor LogSumExp(int[] dims, bool keepdim = false)
    {
        var input = AsFloating();
        var reduce = ReducedDims(dims, "logsumexp");
        var (blocks, n) = input.ReductionLayout(reduce);
        var result = new Tensor(ReducedShape(reduce, keepdim), input.DType);
        if (input.DType == DType.Float32) SoftmaxKernels.LogSumExp<float>(blocks.BlockSpan<float>(), n, result.Data<float>());
        else SoftmaxKernels.LogSumExp<double>(blocks.BlockSpan<double>(), n, result.Data<double>());
        if (GradMode.ShouldRecord(this))
        {
            var node = new Node("logsumexp", this);
            var savedInput = node.Save(this);
            var savedResult = node.Save(result);
            var keptShape = KeepDimShape(reduce);
            // d lse / dx = exp(x - lse), the softmax over the reduced dims
            node.SetBackward(g => [g.Reshape(keptShape) * (savedInput.Get() - savedResult.Get().Reshape(keptShape)).Exp()]);
            result.WithGradFn(node);
        }
        return result;
    }

    void RequireFloating(string op)
    {
        if (!DType.IsFloatingPoint())
            throw new NotSupportedException($"{op}: could not infer output dtype: input dtype must be floating point, got {DType.Name()} (shape {Shapes.Format(shape)}); convert it with Float() or Double()");
    }

    /// <summary>The elements of a tensor laid out by <see cref="ReductionLayout"/> (contiguous) as a span.</summary>
    ReadOnlySpan<T> BlockSpan<T>() where T : unmanaged => Data<T>().AsSpan(offset, Numel);

    /// <summary>
    /// The inverse of <see cref="ReductionLayout"/>: <paramref name="blocks"/> is a contiguous tensor with this
    /// tensor's dims in block order (kept dims first, reduced dims last); the result is a view of it with
    /// this tensor's shape.
    /// </summary>
    Tensor FromBlockLayout(Tensor blocks, bool[] reduce)
    {
        var order = new List<int>();
        for (int i = 0; i < Rank; i++) if (!reduce[i]) order.Add(i);
        for (int i = 0; i < Rank; i++) if (reduce[i]) order.Add(i);
        var blockStrides = blocks.strides;
        var viewStrides = new int[Rank];
        for (int p = 0; p < order.Count; p++) viewStrides[order[p]] = blockStrides[p];
        return blocks.ViewOf(ShapeArray(), viewStrides, blocks.offset);
    }

    /// <summary>This tensor's shape permuted into block order (kept dims first, reduced dims last).</summary>
    int[] BlockShape(bool[] reduce)
    {
        var result = new List<int>();
        for (int i = 0; i < Rank; i++) if (!reduce[i]) result.Add(shape[i]);
        for (int i = 0; i < Rank; i++) if (reduce[i]) result.Add(shape[i]);
        return [.. result];
    }
}
