using DeepGen.Autograd;
using DeepGen.Kernels;

namespace DeepGen;

// torch.nn.functional.layer_norm.
public static partial class F
{
    /// <summary>
    /// Normalises <paramref name="input"/> over its last <c>normalizedShape.Length</c> dims, which must equal
    /// <paramref name="normalizedShape"/>: (x - mean) / sqrt(var + eps) * weight + bias, with the biased
    /// variance, as PyTorch. <paramref name="weight"/> and <paramref name="bias"/>, when given, have the
    /// normalized shape.
    /// </summary>
    public static Tensor LayerNorm(Tensor input, int[] normalizedShape, Tensor? weight = null, Tensor? bias = null, double eps = 1e-5)
    {
        const string op = "layer_norm";
        CheckLayerNormArguments(input, normalizedShape, weight, bias);
        int d = Shapes.Numel(normalizedShape);
        int rows = d == 0 ? 0 : input.Numel / d;
        var x = input.RawContiguous();
        var w = weight?.RawContiguous();
        var b = bias?.RawContiguous();
        var mean = new double[rows];
        var rstd = new double[rows];
        // both kernels write every element
        var result = Tensor.Uninitialized(input.ShapeArray(), input.DType);
        LayerNormRows(x, w, b, result, rows, d, eps, mean, rstd);

        Tensor[] inputs = weight is null ? (bias is null ? [input] : [input, bias]) : (bias is null ? [input, weight] : [input, weight, bias]);
        if (GradMode.ShouldRecord(inputs))
        {
            var node = new Node(op, inputs);
            var savedX = node.Save(x);
            var savedW = w is null ? null : node.Save(w);
            var inputShape = input.ShapeArray();
            var affineShape = (int[])normalizedShape.Clone();
            var dtype = input.DType;
            int inputCount = inputs.Length, weightSlot = weight is null ? -1 : 1, biasSlot = bias is null ? -1 : inputCount - 1;
            node.SetBackward(g =>
            {
                var grad = g.RawContiguous();
                var xv = savedX.Get();
                var wv = savedW?.Get();
                // both kernels write every element of the gradients they compute
                var dx = node.NeedsGrad(0) ? Tensor.Uninitialized(inputShape, dtype) : null;
                var dw = weightSlot >= 0 && node.NeedsGrad(weightSlot) ? Tensor.Uninitialized(affineShape, dtype) : null;
                var db = biasSlot >= 0 && node.NeedsGrad(biasSlot) ? Tensor.Uninitialized(affineShape, dtype) : null;
                LayerNormRowsBackward(xv, wv, grad, rows, d, mean, rstd, dx, dw, db);
                var grads = new Tensor?[inputCount];
                grads[0] = dx;
                if (weightSlot >= 0) grads[weightSlot] = dw;
                if (biasSlot >= 0) grads[biasSlot] = db;
                return grads;
            });
            result.WithGradFn(node);
        }
        return result;
    }

    /// <summary>
    /// Layer norm of a contiguous input as <paramref name="rows"/> rows of <paramref name="d"/> elements into
    /// <paramref name="result"/> (every element written), filling each row's mean and 1/std: the vectorised
    /// float32 kernel or the generic one. Shared by the eager op and the compiled path.
    /// </summary>
    internal static void LayerNormRows(Tensor x, Tensor? w, Tensor? b, Tensor result, int rows, int d, double eps, double[] mean, double[] rstd)
    {
        if (x.DType == DType.Float32)
            LayerNormRowsFloat.Forward(x.Data<float>(), x.StorageOffset, FloatOperand(w), FloatOperand(b), result.Data<float>(), rows, d, eps, mean, rstd);
        else
            LayerNormKernels.Forward<double>(x.ContiguousSpan<double>(), OptionalSpans.Read<double>(w), OptionalSpans.Read<double>(b), result.Data<double>(), d, eps, mean, rstd);
    }

    /// <summary>The gradients of <see cref="LayerNormRows"/> into whichever of dx, dw, db are given (each fully written); contiguous operands.</summary>
    internal static void LayerNormRowsBackward(Tensor x, Tensor? w, Tensor grad, int rows, int d, double[] mean, double[] rstd, Tensor? dx, Tensor? dw, Tensor? db)
    {
        if (x.DType == DType.Float32)
            LayerNormRowsFloat.Backward(x.Data<float>(), x.StorageOffset, FloatOperand(w), grad.Data<float>(), grad.StorageOffset, rows, d, mean, rstd,
                dx?.Data<float>(), dw?.Data<float>(), db?.Data<float>());
        else
            LayerNormKernels.Backward<double>(x.ContiguousSpan<double>(), OptionalSpans.Read<double>(w), grad.ContiguousSpan<double>(), d, mean, rstd,
                OptionalSpans.Write<double>(dx), OptionalSpans.Write<double>(dw), OptionalSpans.Write<double>(db));
    }

    /// <summary>A contiguous float tensor's array and start, or an absent operand.</summary>
    static LayerNormRowsFloat.Operand FloatOperand(Tensor? t) => t is null ? default : new(t.Data<float>(), t.StorageOffset);

    static void CheckLayerNormArguments(Tensor input, int[] normalizedShape, Tensor? weight, Tensor? bias)
    {
        const string op = "layer_norm";
        if (normalizedShape.Length == 0)
            throw new ArgumentException($"{op}: normalized_shape must have at least one dimension, got []");
        int k = normalizedShape.Length, lead = input.Rank - k;
        bool matches = lead >= 0;
        for (int i = 0; matches && i < k; i++) matches = input.Shape[lead + i] == normalizedShape[i];
        if (!matches)
            throw new ArgumentException(
                $"{op}: normalized_shape {Shapes.Format(normalizedShape)} expects an input of shape [*, {string.Join(", ", normalizedShape)}], but got an input of shape {Shapes.Format(input.Shape)}");
        if (!input.DType.IsFloatingPoint()) throw Elementwise.Unsupported(op, input.DType);
        CheckAffine(input, normalizedShape, weight, "weight");
        CheckAffine(input, normalizedShape, bias, "bias");
    }

    static void CheckAffine(Tensor input, int[] normalizedShape, Tensor? t, string name)
    {
        if (t is null) return;
        if (!Shapes.Equal(t.Shape, normalizedShape))
            throw new ArgumentException(
                $"layer_norm: expected {name} to have the normalized shape {Shapes.Format(normalizedShape)}, but got {name} of shape {Shapes.Format(t.Shape)} (input shape {Shapes.Format(input.Shape)})");
        if (t.DType != input.DType)
            throw new ArgumentException($"layer_norm: {name} has dtype {t.DType.Name()} but the input has dtype {input.DType.Name()}");
    }
}
