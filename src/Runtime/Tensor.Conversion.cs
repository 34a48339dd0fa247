using DeepGen.Autograd;
using DeepGen.Kernels;

namespace DeepGen;

// Copies and dtype conversions.
public sealed partial class Tensor
{
    /// <summary>This tensor if its elements are already laid out row-major, else a contiguous copy.</summary>
    public Tensor Contiguous() => IsContiguous ? this : CopyAs(DType, "contiguous");

    /// <summary>A copy with its own contiguous storage, still connected to the autograd graph.</summary>
    public Tensor Clone() => CopyAs(DType, "clone");

    /// <summary>This tensor converted to <paramref name="dtype"/> (itself when it already has that dtype).</summary>
    public Tensor To(DType dtype) => dtype == DType ? this : CopyAs(dtype, "to");

    public Tensor Float() => To(DType.Float32);

    public Tensor Double() => To(DType.Float64);

    public Tensor Long() => To(DType.Int64);

    public Tensor Bool() => To(DType.Bool);

    Tensor CopyAs(DType dtype, string op)
    {
        var result = Uninitialized(ShapeArray(), dtype);
        Elementwise.CopyInto(result, this, op);
        // gradients pass through unchanged; the engine converts them back to this tensor's dtype
        if (dtype.IsFloatingPoint() && GradMode.ShouldRecord(this))
        {
            var node = new Node(op, this);
            node.SetBackward(g => [g]);
            result.WithGradFn(node);
        }
        return result;
    }

    /// <summary>Both operands converted to their promoted dtype, outside autograd (nodes see the originals).</summary>
    internal static (Tensor, Tensor) Promoted(Tensor a, Tensor b, DType? atLeast = null)
    {
        var dtype = DTypes.Promote(a.DType, b.DType);
        if (atLeast is { } floor) dtype = DTypes.Promote(dtype, floor);
        return (a.RawTo(dtype), b.RawTo(dtype));
    }

    /// <summary>A dtype conversion that records nothing: for kernels whose node already covers the input.</summary>
    internal Tensor RawTo(DType dtype)
    {
        if (dtype == DType) return this;
        var result = Uninitialized(ShapeArray(), dtype);
        Elementwise.CopyInto(result, this, "to");
        return result;
    }

    /// <summary>The scalar operand of a tensor-scalar op, in the dtype PyTorch would compute in.</summary>
    internal Tensor ScalarOperand(double value)
    {
        bool floating = value != Math.Floor(value) || double.IsInfinity(value) || double.IsNaN(value);
        return Scalar(value, DTypes.PromoteWithScalar(DType, floating));
    }
}
