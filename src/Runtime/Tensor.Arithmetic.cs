using DeepGen.Autograd;
using DeepGen.Kernels;

namespace DeepGen;

// + - * / and negation, with broadcasting, type promotion and autograd.
public sealed partial class Tensor
{
    public static Tensor operator +(Tensor a, Tensor b) => a.Add(b);
    public static Tensor operator -(Tensor a, Tensor b) => a.Sub(b);
    public static Tensor operator *(Tensor a, Tensor b) => a.Mul(b);
    public static Tensor operator /(Tensor a, Tensor b) => a.Div(b);
    public static Tensor operator -(Tensor a) => a.Neg();

    public static Tensor operator +(Tensor a, double b) => a.Add(a.ScalarOperand(b));
    public static Tensor operator +(double a, Tensor b) => b.ScalarOperand(a).Add(b);
    public static Tensor operator -(Tensor a, double b) => a.Sub(a.ScalarOperand(b));
    public static Tensor operator -(double a, Tensor b) => b.ScalarOperand(a).Sub(b);
    public static Tensor operator *(Tensor a, double b) => a.Mul(a.ScalarOperand(b));
    public static Tensor operator *(double a, Tensor b) => b.ScalarOperand(a).Mul(b);
    public static Tensor operator /(Tensor a, double b) => a.Div(a.ScalarOperand(b));
    public static Tensor operator /(double a, Tensor b) => b.ScalarOperand(a).Div(b);

    /// <summary>this + alpha * other (PyTorch's <c>add(other, alpha=...)</c>).</summary>
    public Tensor Add(Tensor other, double alpha = 1)
    {
        if (alpha != 1) other = other.Mul(other.ScalarOperand(alpha));
        var (a, b) = Promoted(this, other);
        var result = Elementwise.Binary<AddFn>(a.NonBool(), b.NonBool(), "add");
        if (GradMode.ShouldRecord(this, other))
        {
            var node = new Node("add", this, other);
            node.SetBackward(g => [g, g]);
            result.WithGradFn(node);
        }
        return result;
    }

    public Tensor Sub(Tensor other, double alpha = 1)
    {
        if (alpha != 1) other = other.Mul(other.ScalarOperand(alpha));
        var (a, b) = Promoted(this, other);
        var result = Elementwise.Binary<SubFn>(a.NonBool(), b.NonBool(), "sub");
        if (GradMode.ShouldRecord(this, other))
        {
            var node = new Node("sub", this, other);
            node.SetBackward(g => [g, node.NeedsGrad(1) ? g.Neg() : null]);
            result.WithGradFn(node);
        }
        return result;
    }

    public Tensor Mul(Tensor other)
    {
        var (a, b) = Promoted(this, other);
        var result = Elementwise.Binary<MulFn>(a.NonBool(), b.NonBool(), "mul");
        if (GradMode.ShouldRecord(this, other))
        {
            var node = new Node("mul", this, other);
            var savedA = node.NeedsGrad(1) ? node.Save(this) : null;
            var savedB = node.NeedsGrad(0) ? node.Save(other) : null;
            node.SetBackward(g => [savedB is null ? null : g * savedB.Get(), savedA is null ? null : g * savedA.Get()]);
            result.WithGradFn(node);
        }
        return result;
    }

    /// <summary>True division: integer inputs are divided as float32, as in PyTorch.</summary>
    public Tensor Div(Tensor other)
    {
        var (a, b) = Promoted(this, other, atLeast: DType.Float32);
        var result = Elementwise.Binary<DivFn>(a, b, "div");
        if (GradMode.ShouldRecord(this, other))
        {
            var node = new Node("div", this, other);
            var savedA = node.NeedsGrad(1) ? node.Save(this) : null;
            var savedB = node.Save(other);
            node.SetBackward(g =>
            {
                var bv = savedB.Get();
                return [node.NeedsGrad(0) ? g / bv : null, savedA is null ? null : (-g) * savedA.Get() / (bv * bv)];
            });
            result.WithGradFn(node);
        }
        return result;
    }

    public Tensor Neg()
    {
        var result = Elementwise.Unary<NegFn>(NonBool(), "neg");
        if (GradMode.ShouldRecord(this))
        {
            var node = new Node("neg", this);
            node.SetBackward(g => [g.Neg()]);
            result.WithGradFn(node);
        }
        return result;
    }

    /// <summary>Arithmetic on bool tensors counts them as 0/1 integers.</summary>
    Tensor NonBool() => DType == DType.Bool ? RawTo(DType.Int64) : this;
}
