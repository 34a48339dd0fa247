using System.Numerics;
using DeepGen.Autograd;
using DeepGen.Kernels;

namespace DeepGen;

/// <summary>Functional ops with PyTorch's <c>torch.nn.functional</c> names and semantics.</summary>
public static partial class F
{
    /// <summary>
    /// y = x @ weight^T + bias (<c>torch.nn.functional.linear</c>): input [*, in_features], weight
    /// [out_features, in_features], bias [out_features], result [*, out_features]. One GEMM, which adds the
    /// bias as it stores the output.
    /// </summary>
    public static Tensor Linear(Tensor input, Tensor weight, Tensor? bias = null)
    {
        var result = CompiledLinear(input, weight, bias, relu: false);
        int inFeatures = weight.Size(1), outFeatures = weight.Size(0);
        int rows = Shapes.Numel(input.Shape[..^1]);
        if (GradMode.ShouldRecord(bias is null ? [input, weight] : [input, weight, bias]))
        {
            var node = bias is null ? new Node("linear", input, weight) : new Node("linear", input, weight, bias);
            var savedInput = node.NeedsGrad(1) ? node.Save(input) : null;
            var savedWeight = node.NeedsGrad(0) ? node.Save(weight) : null;
            var inputShape = input.ShapeArray();
            bool hasBias = bias is not null;
            node.SetBackward(g =>
            {
                var g2 = g.Reshape(rows, outFeatures);
                var gradInput = savedWeight is null ? null : g2.MatMul(savedWeight.Get()).Reshape(inputShape);
                var gradWeight = savedInput is null ? null : g2.T.MatMul(savedInput.Get().Reshape(rows, inFeatures));
                if (!hasBias) return [gradInput, gradWeight];
                return [gradInput, gradWeight, node.NeedsGrad(2) ? g2.Sum(0) : null];
            });
            result.WithGradFn(node);
        }
        return result;
    }

    /// <summary>
    /// linear, then ReLU when <paramref name="relu"/>, without an autograd node (the compiled path's call, and
    /// the value <see cref="Linear"/> records): one GEMM, which applies the bias and the ReLU as it stores each
    /// output element rather than in passes of their own.
    /// </summary>
    internal static Tensor CompiledLinear(Tensor input, Tensor weight, Tensor? bias, bool relu)
    {
        CheckLinear(input, weight, bias);
        int rows = Shapes.Numel(input.Shape[..^1]);
        // the GEMM writes every element (beta = 0), so the buffer needs no zeroing first
        var result = Tensor.Uninitialized([.. input.Shape[..^1], weight.Size(0)], input.DType);
        switch (input.DType)
        {
            case DType.Float32: RawLinear<float>(input, weight, bias, result, rows, relu); break;
            case DType.Float64: RawLinear<double>(input, weight, bias, result, rows, relu); break;
            case DType.Int64: RawLinear<long>(input, weight, bias, result, rows, relu); break;
        }
        return result;
    }

    static void CheckLinear(Tensor input, Tensor weight, Tensor? bias)
    {
        if (input.Rank == 0)
            throw new ArgumentException($"linear: input must be at least 1-D [*, in_features], got shape {Shapes.Format(input.Shape)}");
        if (weight.Rank != 2)
            throw new ArgumentException($"linear: weight must be 2-D [out_features, in_features], got shape {Shapes.Format(weight.Shape)}");
        if (input.Size(-1) != weight.Size(1))
            throw new ArgumentException($"linear: input {Shapes.Format(input.Shape)} and weight {Shapes.Format(weight.Shape)}: the input has {input.Size(-1)} features but the weight expects in_features = {weight.Size(1)}");
        if (bias is not null && (bias.Rank != 1 || bias.Size(0) != weight.Size(0)))
            throw new ArgumentException($"linear: bias {Shapes.Format(bias.Shape)} does not match weight {Shapes.Format(weight.Shape)}: expected [{weight.Size(0)}]");
        if (input.DType != weight.DType || (bias is not null && bias.DType != input.DType))
            throw new ArgumentException($"linear: input ({input.DType.Name()})" +
                (bias is null ? $" and weight ({weight.DType.Name()})" : $", weight ({weight.DType.Name()}) and bias ({bias.DType.Name()})") + " must have the same dtype");
        if (input.DType == DType.Bool) throw Elementwise.Unsupported("linear", input.DType);
    }

    static void RawLinear<T>(Tensor input, Tensor weight, Tensor? bias, Tensor result, int rows, bool relu) where T : unmanaged, INumber<T>
    {
        int outFeatures = weight.Size(0), inFeatures = weight.Size(1);
        var output = result.Data<T>();
        if (rows == 0 || outFeatures == 0) return;
        // the bias is added by the GEMM as it stores each output element, not in a pass of its own
        var epilogue = new GemmEpilogue<T>(null, 0, relu);
        if (bias is not null)
        {
            var b = bias.RawContiguous();
            epilogue = new GemmEpilogue<T>(b.Data<T>(), b.StorageOffset, relu);
        }
        // the input's leading dims are one run of rows unless its strides interleave them: copy only then
        var x = Tensor.TryMergeRowDims(input.Shape[..^1], input.Strides[..^1], out int rowStride) ? input : input.RawContiguous();
        if (!ReferenceEquals(x, input)) rowStride = inFeatures;
        var matX = new MatrixRef<T>(x.Data<T>(), x.StorageOffset, rowStride, x.Stride(-1));
        // weight^T read in place: element (k, j) of W^T is W[j, k]
        var matWT = new MatrixRef<T>(weight.Data<T>(), weight.StorageOffset, weight.Stride(1), weight.Stride(0));
        Gemm.Run(rows, outFeatures, inFeatures, T.One, matX, matWT, T.Zero, output, 0, outFeatures, epilogue: epilogue);
    }
}
