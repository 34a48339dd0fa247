using DeepGen.Autograd;
using DeepGen.Kernels;

namespace DeepGen;

// In-place ops (trailing underscore, as in PyTorch). Each bumps the storage's version counter, so a
// backward that needs the old values fails loudly instead of computing wrong gradients.
public sealed partial class Tensor
{
    public Tensor Add_(Tensor other, double alpha = 1) =>
        InPlace("add_", other, self => self.Add(other, alpha), () => Elementwise.BinaryInPlace<AddFn>(this, Scaled(other, alpha).RawTo(DType), "add_"));

    public Tensor Add_(double value) => Add_(ScalarOperand(value));

    public Tensor Sub_(Tensor other, double alpha = 1) => Add_(other, -alpha);

    public Tensor Sub_(double value) => Add_(ScalarOperand(-value));

    public Tensor Mul_(Tensor other) =>
        InPlace("mul_", other, self => self.Mul(other), () => Elementwise.BinaryInPlace<MulFn>(this, other.RawTo(DType), "mul_"));

    public Tensor Mul_(double value) => Mul_(ScalarOperand(value));

    public Tensor Div_(Tensor other)
    {
        if (!DType.IsFloatingPoint())
            throw new InvalidOperationException($"div_: result type float32 cannot be stored in a tensor of dtype {DType.Name()}");
        return InPlace("div_", other, self => self.Div(other), () => Elementwise.BinaryInPlace<DivFn>(this, other.RawTo(DType), "div_"));
    }

    public Tensor Div_(double value) => Div_(ScalarOperand(value));

    /// <summary>Copies <paramref name="source"/> (broadcast, converted) into this tensor's elements.</summary>
    public Tensor Copy_(Tensor source) =>
        InPlace("copy_", source, self => source.To(DType).Expand(ShapeArray()) + ZerosLike(self), () => Elementwise.CopyInto(this, source, "copy_"));

    public Tensor Fill_(double value) =>
        InPlace("fill_", null, self => FullLike(self, value), () => Elementwise.CopyInto(this, Scalar(value, DType), "fill_"));

    public Tensor Zero_() => Fill_(0);

    /// <summary>A copy into this tensor that bypasses autograd: for backward formulas and optimizers' internals.</summary>
    internal void CopyRaw(Tensor source)
    {
        Elementwise.CopyInto(this, source, "copy_");
        storage.Version++;
    }

    static Tensor Scaled(Tensor t, double alpha) => alpha == 1 ? t : t.RawMulScalar(alpha);

    Tensor RawMulScalar(double alpha)
    {
        using var noGrad = GradMode.NoGrad();
        return Mul(ScalarOperand(alpha));
    }

    /// <summary>
    /// Runs an in-place op. Without autograd it writes directly. When autograd is involved it computes the
    /// out-of-place result (which records the node), writes it into this storage and takes over its history,
    /// as PyTorch rebases an in-place op's graph. The out-of-place op gets a clone of this tensor, so a
    /// node that saves its input keeps the values from before the write.
    /// </summary>
    internal Tensor InPlace(string op, Tensor? other, Func<Tensor, Tensor> outOfPlace, Action direct)
    {
        bool record = GradMode.IsEnabled && (RequiresGrad || (other?.RequiresGrad ?? false));
        if (record)
        {
            if (IsLeaf && RequiresGrad)
                throw new InvalidOperationException($"{op}: a leaf tensor that requires grad (shape {Shapes.Format(shape)}) is being used in an in-place operation; do it inside Torch.NoGrad(), or on a Clone()");
            if (ViewBase is not null)
                throw new NotSupportedException($"{op}: in-place operations on a view (shape {Shapes.Format(shape)}) that take part in autograd are not supported; use the out-of-place op");
            var result = outOfPlace(Clone());
            if (!Shapes.Equal(result.shape, shape))
                throw new ArgumentException($"{op}: the result has shape {Shapes.Format(result.shape)}, which does not fit in place into shape {Shapes.Format(shape)}");
            Elementwise.CopyInto(this, result, op);
            storage.Version++;
            GradFn = result.GradFn;
            return this;
        }
        direct();
        storage.Version++;
        return this;
    }
}
