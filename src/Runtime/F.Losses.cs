using DeepGen.Autograd;
using DeepGen.Kernels;

namespace DeepGen;

// Loss functions of torch.nn.functional: nll_loss, cross_entropy, mse_loss, binary_cross_entropy_with_logits.
public static partial class F
{
    /// <summary>
    /// Negative log-likelihood of class-index targets: <paramref name="input"/> holds log-probabilities of
    /// shape [N, C], [N, C, d1, ...] or [C]; <paramref name="target"/> holds int64 classes of shape [N],
    /// [N, d1, ...] or []. loss = -weight[t] * input[t]; targets equal to <paramref name="ignoreIndex"/>
    /// contribute nothing, and "mean" divides by the sum of weight[t] over the other targets.
    /// </summary>
    public static Tensor NllLoss(Tensor input, Tensor target, Tensor? weight = null, long ignoreIndex = -100, string reduction = "mean") =>
        ClassIndexLoss("nll_loss", input, target, weight, ignoreIndex, reduction, labelSmoothing: 0, fuseLogSoftmax: false);

    /// <summary>
    /// Cross-entropy of logits against class-index targets: log_softmax over dim 1 (dim 0 for a [C] input)
    /// followed by <see cref="NllLoss"/>, fused into one stable kernel. With <paramref name="labelSmoothing"/> eps
    /// each sample costs (1 - eps) * nll + eps / C * sum_c weight[c] * -log_softmax[c], as in PyTorch.
    /// </summary>
    public static Tensor CrossEntropy(Tensor input, Tensor target, Tensor? weight = null, long ignoreIndex = -100, string reduction = "mean", double labelSmoothing = 0.0)
    {
        if (!(labelSmoothing >= 0 && labelSmoothing <= 1))
            throw new ArgumentOutOfRangeException(nameof(labelSmoothing), $"cross_entropy: label_smoothing must be between 0.0 and 1.0, got {labelSmoothing}");
        return ClassIndexLoss("cross_entropy", input, target, weight, ignoreIndex, reduction, labelSmoothing, fuseLogSoftmax: true);
    }

    static Tensor ClassIndexLoss(string op, Tensor input, Tensor target, Tensor? weight, long ignoreIndex, string reduction, double labelSmoothing, bool fuseLogSoftmax)
    {
        var mode = LossReductions.Parse(reduction, op);
        var (n, c, s) = CheckClassLossArguments(op, input, target, weight);
        var targets = target.RawContiguous().ContiguousSpan<long>().ToArray();
        CheckTargets(op, targets, target.ShapeArray(), c, ignoreIndex);
        var loss = new ClassLoss
        {
            N = n, C = c, S = s,
            Targets = targets,
            Weight = weight?.RawTo(DType.Float64).RawContiguous().ContiguousSpan<double>().ToArray(),
            IgnoreIndex = ignoreIndex,
            Smoothing = labelSmoothing,
            FuseLogSoftmax = fuseLogSoftmax,
        };
        var x = input.RawContiguous();
        bool floatRows = input.DType == DType.Float32 && CrossEntropyRowsFloat.Applies(loss);
        var losses = floatRows ? CrossEntropyRowsFloat.Forward(loss, x.Data<float>(), x.StorageOffset)
            : input.DType == DType.Float32 ? loss.Forward<float>(x.ContiguousSpan<float>()) : loss.Forward<double>(x.ContiguousSpan<double>());
        var result = LossReductions.Reduce(losses, target.ShapeArray(), input.DType, mode, loss.TotalWeight);

        Tensor[] inputs = weight is null ? [input] : [input, weight];
        if (GradMode.ShouldRecord(inputs))
        {
            var node = new Node(op, inputs);
            var savedX = node.Save(x);
            var inputShape = input.ShapeArray();
            var dtype = input.DType;
            var weightDType = weight?.DType ?? dtype;
            bool hasWeight = weight is not null;
            double value = mode == LossReduction.None ? 0 : result.Item<double>();
            node.SetBackward(g =>
            {
                var xv = savedX.Get();
                var scales = LossReductions.Scales(g, n * s, mode, loss.TotalWeight);
                // "mean" divides by the total weight, which also depends on the weights
                double correction = mode == LossReduction.Mean ? (scales.Length > 0 ? scales[0] : 0) * value : 0;
                // the float rows kernel writes every element (ignored rows too); the general one only the rows it uses
                var gradInput = !node.NeedsGrad(0) ? null : floatRows ? Tensor.Uninitialized(inputShape, dtype) : new Tensor(inputShape, dtype);
                var gradWeight = hasWeight && node.NeedsGrad(1) ? new double[c] : null;
                if (floatRows)
                    CrossEntropyRowsFloat.Backward(loss, xv.Data<float>(), xv.StorageOffset, scales, gradInput?.Data<float>(), gradWeight, correction);
                else if (dtype == DType.Float32)
                    loss.Backward<float>(xv.ContiguousSpan<float>(), scales, OptionalSpans.Write<float>(gradInput), gradWeight, correction);
                else
                    loss.Backward<double>(xv.ContiguousSpan<double>(), scales, OptionalSpans.Write<double>(gradInput), gradWeight, correction);
                return gradWeight is null ? (hasWeight ? [gradInput, null] : [gradInput])
                    : [gradInput, Tensor.FromArray(gradWeight).RawTo(weightDType)];
            });
            result.WithGradFn(node);
        }
        return result;
    }

    /// <summary>Checks dtypes and shapes; returns the [N, C, S] layout of the input (S: product of the extra dims).</summary>
    static (int N, int C, int S) CheckClassLossArguments(string op, Tensor input, Tensor target, Tensor? weight)
    {
        if (!input.DType.IsFloatingPoint())
            throw new ArgumentException($"{op}: expected a floating point input, got {input.DType.Name()} (shape {Shapes.Format(input.Shape)})");
        if (input.Rank == 0)
            throw new ArgumentException($"{op}: the input must have a class dimension, got shape []");
        if (target.DType != DType.Int64)
            throw new ArgumentException(
                $"{op}: expected a target of dtype int64 holding class indices, got {target.DType.Name()} (target shape {Shapes.Format(target.Shape)}, input shape {Shapes.Format(input.Shape)}); class probabilities are not supported");
        var inShape = input.ShapeArray();
        int[] expected = input.Rank == 1 ? [] : [inShape[0], .. inShape[2..]];
        if (!Shapes.Equal(target.Shape, expected))
            throw new ArgumentException(
                $"{op}: input of shape {Shapes.Format(inShape)} and target of shape {Shapes.Format(target.Shape)} do not match: expected a target of shape {Shapes.Format(expected)}");
        int n = input.Rank == 1 ? 1 : inShape[0];
        int c = input.Rank == 1 ? inShape[0] : inShape[1];
        int s = input.Rank <= 2 ? 1 : Shapes.Numel(inShape[2..]);
        if (weight is not null)
        {
            if (weight.Rank != 1 || weight.Shape[0] != c)
                throw new ArgumentException(
                    $"{op}: weight of shape {Shapes.Format(weight.Shape)} must have one entry per class: expected shape [{c}] for an input of shape {Shapes.Format(inShape)}");
            if (weight.DType != input.DType)
                throw new ArgumentException($"{op}: weight has dtype {weight.DType.Name()} but the input has dtype {input.DType.Name()}");
        }
        return (n, c, s);
    }

    static void CheckTargets(string op, long[] targets, int[] targetShape, int classes, long ignoreIndex)
    {
        for (int i = 0; i < targets.Length; i++)
        {
            long t = targets[i];
            if (t == ignoreIndex || (t >= 0 && t < classes)) continue;
            var position = new int[targetShape.Length];
            for (int d = targetShape.Length - 1, rest = i; d >= 0; d--)
            {
                position[d] = rest % targetShape[d];
                rest /= targetShape[d];
            }
            string where = targetShape.Length == 0 ? "" : $" at position {Shapes.Format(position)}";
            throw new IndexOutOfRangeException(
                $"{op}: target {t}{where} is out of bounds: expected a class in [0, {classes}) or ignore_index {ignoreIndex} (target shape {Shapes.Format(targetShape)})");
        }
    }

    /// <summary>Mean (or sum, or each) of (input - target)^2, with input and target broadcast together.</summary>
    public static Tensor MseLoss(Tensor input, Tensor target, string reduction = "mean")
    {
        const string op = "mse_loss";
        var mode = LossReductions.Parse(reduction, op);
        var shape = Shapes.Broadcast(input.Shape, target.Shape, op);
        var dtype = DTypes.Promote(input.DType, target.DType);
        if (!dtype.IsFloatingPoint())
            throw new ArgumentException($"{op}: expected floating point input and target, got {input.DType.Name()} and {target.DType.Name()} (shapes {Shapes.Format(input.Shape)} and {Shapes.Format(target.Shape)})");
        var diff = Elementwise.Binary<SubFn>(input.RawTo(dtype), target.RawTo(dtype), op).RawTo(DType.Float64);
        var d = diff.ContiguousSpan<double>();
        var losses = new double[d.Length];
        for (int i = 0; i < losses.Length; i++) losses[i] = d[i] * d[i];
        var result = LossReductions.Reduce(losses, shape, dtype, mode, losses.Length);
        if (GradMode.ShouldRecord(input, target))
        {
            var node = new Node(op, input, target);
            node.SetBackward(g =>
            {
                var scales = LossReductions.Scales(g, losses.Length, mode, losses.Length);
                var dd = diff.ContiguousSpan<double>();
                var grad = new Tensor(shape, DType.Float64);
                var gd = grad.Data<double>();
                for (int i = 0; i < gd.Length; i++) gd[i] = 2 * dd[i] * scales[i];
                var typed = grad.RawTo(dtype);
                // the engine sums each gradient down to its input's shape and dtype
                return [node.NeedsGrad(0) ? typed : null, node.NeedsGrad(1) ? typed.Neg() : null];
            });
            result.WithGradFn(node);
        }
        return result;
    }

    /// <summary>
    /// Binary cross-entropy of logits <paramref name="input"/> against targets in [0, 1] of the same shape,
    /// computed stably: w * ((1 - y) x + (1 + (posWeight - 1) y) * log(1 + exp(-x))). <paramref name="weight"/>
    /// and <paramref name="posWeight"/> broadcast to the input's shape (posWeight along the last, class, dim).
    /// </summary>
    public static Tensor BinaryCrossEntropyWithLogits(Tensor input, Tensor target, Tensor? weight = null, Tensor? posWeight = null, string reduction = "mean")
    {
        const string op = "binary_cross_entropy_with_logits";
        var mode = LossReductions.Parse(reduction, op);
        if (!input.DType.IsFloatingPoint())
            throw new ArgumentException($"{op}: expected a floating point input, got {input.DType.Name()} (shape {Shapes.Format(input.Shape)})");
        if (!Shapes.Equal(input.Shape, target.Shape))
            throw new ArgumentException($"{op}: target of shape {Shapes.Format(target.Shape)} must have the same shape as the input, of shape {Shapes.Format(input.Shape)}");
        var shape = input.ShapeArray();
        var dtype = input.DType;
        var x = input.RawContiguous();
        var y = BroadcastOperand(op, "target", target, shape, dtype)!;
        var w = BroadcastOperand(op, "weight", weight, shape, dtype);
        var p = BroadcastOperand(op, "pos_weight", posWeight, shape, dtype);
        var losses = new double[x.Numel];
        if (dtype == DType.Float32)
            BceKernels.Forward<float>(x.ContiguousSpan<float>(), y.ContiguousSpan<float>(), OptionalSpans.Read<float>(w), OptionalSpans.Read<float>(p), losses);
        else
            BceKernels.Forward<double>(x.ContiguousSpan<double>(), y.ContiguousSpan<double>(), OptionalSpans.Read<double>(w), OptionalSpans.Read<double>(p), losses);
        var result = LossReductions.Reduce(losses, shape, dtype, mode, losses.Length);

        var inputs = new List<Tensor> { input, target };
        int weightSlot = -1, posWeightSlot = -1;
        if (weight is not null) { weightSlot = inputs.Count; inputs.Add(weight); }
        if (posWeight is not null) { posWeightSlot = inputs.Count; inputs.Add(posWeight); }
        Tensor[] recorded = [.. inputs];
        if (GradMode.ShouldRecord(recorded))
        {
            var node = new Node(op, recorded);
            int inputCount = recorded.Length;
            var savedX = node.Save(x);
            node.SetBackward(g =>
            {
                var scales = LossReductions.Scales(g, losses.Length, mode, losses.Length);
                Tensor? Grad(int slot) => slot >= 0 && node.NeedsGrad(slot) ? new Tensor(shape, dtype) : null;
                var grads = new Tensor?[inputCount];
                grads[0] = Grad(0);
                grads[1] = Grad(1);
                if (weightSlot >= 0) grads[weightSlot] = Grad(weightSlot);
                if (posWeightSlot >= 0) grads[posWeightSlot] = Grad(posWeightSlot);
                var gw = weightSlot >= 0 ? grads[weightSlot] : null;
                var gp = posWeightSlot >= 0 ? grads[posWeightSlot] : null;
                var xv = savedX.Get();
                if (dtype == DType.Float32)
                    BceKernels.Backward<float>(xv.ContiguousSpan<float>(), y.ContiguousSpan<float>(), OptionalSpans.Read<float>(w), OptionalSpans.Read<float>(p), scales,
                        OptionalSpans.Write<float>(grads[0]), OptionalSpans.Write<float>(grads[1]), OptionalSpans.Write<float>(gw), OptionalSpans.Write<float>(gp));
                else
                    BceKernels.Backward<double>(xv.ContiguousSpan<double>(), y.ContiguousSpan<double>(), OptionalSpans.Read<double>(w), OptionalSpans.Read<double>(p), scales,
                        OptionalSpans.Write<double>(grads[0]), OptionalSpans.Write<double>(grads[1]), OptionalSpans.Write<double>(gw), OptionalSpans.Write<double>(gp));
                // weight and pos_weight gradients have the input's shape; the engine sums them down to theirs
                return grads;
            });
            result.WithGradFn(node);
        }
        return result;
    }

    /// <summary>A fresh contiguous copy of <paramref name="t"/> broadcast to <paramref name="shape"/> in <paramref name="dtype"/>.</summary>
    static Tensor? BroadcastOperand(string op, string name, Tensor? t, int[] shape, DType dtype)
    {
        if (t is null) return null;
        bool fits = t.Rank <= shape.Length;
        for (int i = 1; fits && i <= t.Rank; i++) fits = t.Shape[^i] == 1 || t.Shape[^i] == shape[^i];
        if (!fits)
            throw new ArgumentException($"{op}: {name} of shape {Shapes.Format(t.Shape)} cannot be broadcast to the input's shape {Shapes.Format(shape)}");
        var result = new Tensor(shape, dtype);
        Elementwise.CopyInto(result, t, op);
        return result;
    }
}
