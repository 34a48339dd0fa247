using DeepGen.Kernels;

namespace DeepGen;

// Comparisons (bool results, with broadcasting and promotion), logical and bitwise ops, any/all and
// isclose/allclose. None of these record autograd: their results are not differentiable.
public sealed partial class Tensor
{
    public static Tensor operator <(Tensor a, Tensor b) => a.Lt(b);
    public static Tensor operator >(Tensor a, Tensor b) => a.Gt(b);
    public static Tensor operator <=(Tensor a, Tensor b) => a.Le(b);
    public static Tensor operator >=(Tensor a, Tensor b) => a.Ge(b);

    public static Tensor operator <(Tensor a, double b) => a.Lt(b);
    public static Tensor operator >(Tensor a, double b) => a.Gt(b);
    public static Tensor operator <=(Tensor a, double b) => a.Le(b);
    public static Tensor operator >=(Tensor a, double b) => a.Ge(b);

    public static Tensor operator <(double a, Tensor b) => b.Gt(a);
    public static Tensor operator >(double a, Tensor b) => b.Lt(a);
    public static Tensor operator <=(double a, Tensor b) => b.Ge(a);
    public static Tensor operator >=(double a, Tensor b) => b.Le(a);

    /// <summary>Logical not on bool tensors, bitwise not on int64 (PyTorch's <c>~</c>).</summary>
    public static Tensor operator ~(Tensor a) => a.BitwiseNot();

    /// <summary>Logical and on bool tensors, bitwise and on int64 (PyTorch's <c>&amp;</c>).</summary>
    public static Tensor operator &(Tensor a, Tensor b) => a.BitwiseAnd(b);

    public static Tensor operator |(Tensor a, Tensor b) => a.BitwiseOr(b);

    public static Tensor operator ^(Tensor a, Tensor b) => a.BitwiseXor(b);

    public Tensor Eq(Tensor other) => ElementCompare<EqFn>(this, other, "eq");
    public Tensor Ne(Tensor other) => ElementCompare<NeFn>(this, other, "ne");
    public Tensor Lt(Tensor other) => ElementCompare<LtFn>(this, other, "lt");
    public Tensor Le(Tensor other) => ElementCompare<LeFn>(this, other, "le");
    public Tensor Gt(Tensor other) => ElementCompare<GtFn>(this, other, "gt");
    public Tensor Ge(Tensor other) => ElementCompare<GeFn>(this, other, "ge");

    public Tensor Eq(double other) => ElementCompare<EqFn>(this, ScalarOperand(other), "eq");
    public Tensor Ne(double other) => ElementCompare<NeFn>(this, ScalarOperand(other), "ne");
    public Tensor Lt(double other) => ElementCompare<LtFn>(this, ScalarOperand(other), "lt");
    public Tensor Le(double other) => ElementCompare<LeFn>(this, ScalarOperand(other), "le");
    public Tensor Gt(double other) => ElementCompare<GtFn>(this, ScalarOperand(other), "gt");
    public Tensor Ge(double other) => ElementCompare<GeFn>(this, ScalarOperand(other), "ge");

    static Tensor ElementCompare<TFn>(Tensor a, Tensor b, string op) where TFn : struct, INumericCompare
    {
        var (x, y) = Promoted(a, b);
        return Elementwise.Compare<TFn>(x.NonBool(), y.NonBool(), op);
    }

    // ---- logical ops: any dtype, nonzero counts as true, result bool ----

    public Tensor LogicalNot() => Elementwise.Map<bool, bool, LogicalNotOp>(RawTo(DType.Bool));

    public Tensor LogicalAnd(Tensor other) => Elementwise.Zip<bool, bool, LogicalAndOp>(RawTo(DType.Bool), other.RawTo(DType.Bool), "logical_and");

    public Tensor LogicalOr(Tensor other) => Elementwise.Zip<bool, bool, LogicalOrOp>(RawTo(DType.Bool), other.RawTo(DType.Bool), "logical_or");

    public Tensor LogicalXor(Tensor other) => Elementwise.Zip<bool, bool, LogicalXorOp>(RawTo(DType.Bool), other.RawTo(DType.Bool), "logical_xor");

    // ---- bitwise ops: bool and int64 only, as PyTorch ----

    public Tensor BitwiseNot() => DType switch
    {
        DType.Bool => LogicalNot(),
        DType.Int64 => Elementwise.Map<long, long, BitwiseNotOp>(this),
        _ => throw Elementwise.Unsupported("bitwise_not", DType),
    };

    public Tensor BitwiseAnd(Tensor other) => ElementBitwise<LogicalAndOp, BitwiseAndOp>(other, "bitwise_and");

    public Tensor BitwiseOr(Tensor other) => ElementBitwise<LogicalOrOp, BitwiseOrOp>(other, "bitwise_or");

    public Tensor BitwiseXor(Tensor other) => ElementBitwise<LogicalXorOp, BitwiseXorOp>(other, "bitwise_xor");

    Tensor ElementBitwise<TBool, TLong>(Tensor other, string op) where TBool : struct, Elementwise.IZip<bool, bool> where TLong : struct, Elementwise.IZip<long, long>
    {
        var (a, b) = Promoted(this, other);
        return a.DType switch
        {
            DType.Bool => Elementwise.Zip<bool, bool, TBool>(a, b, op),
            DType.Int64 => Elementwise.Zip<long, long, TLong>(a, b, op),
            _ => throw Elementwise.Unsupported(op, a.DType),
        };
    }

    // ---- reductions to bool ----

    /// <summary>Whether any element is nonzero, as a 0-d bool tensor.</summary>
    public Tensor Any() => AnyAllReduce([], keepdim: false, any: true, "any");

    public Tensor Any(int dim, bool keepdim = false) => AnyAllReduce([dim], keepdim, any: true, "any");

    /// <summary>Whether every element is nonzero (true for an empty tensor), as a 0-d bool tensor.</summary>
    public Tensor All() => AnyAllReduce([], keepdim: false, any: false, "all");

    public Tensor All(int dim, bool keepdim = false) => AnyAllReduce([dim], keepdim, any: false, "all");

    Tensor AnyAllReduce(int[] dims, bool keepdim, bool any, string op)
    {
        var reduce = ReducedDims(dims, op);
        var (blocks, blockLength) = RawTo(DType.Bool).ReductionLayout(reduce);
        var result = new Tensor(ReducedShape(reduce, keepdim), DType.Bool);
        var src = blocks.Data<bool>();
        var dst = result.Data<bool>();
        for (int i = 0, o = blocks.offset; i < dst.Length; i++, o += blockLength)
        {
            var block = src.AsSpan(o, blockLength);
            dst[i] = any ? block.Contains(true) : !block.Contains(false);
        }
        return result;
    }

    // ---- closeness ----

    /// <summary>
    /// Elementwise |this - other| &lt;= atol + rtol * |other| (PyTorch's isclose), with broadcasting; both
    /// tensors must have the same dtype. Equal infinities are close; NaNs only with <paramref name="equalNan"/>.
    /// </summary>
    public Tensor IsClose(Tensor other, double rtol = 1e-05, double atol = 1e-08, bool equalNan = false)
    {
        if (DType != other.DType)
            throw new ArgumentException($"isclose: the tensors have different dtypes, {DType.Name()} (shape {Shapes.Format(shape)}) and {other.DType.Name()} (shape {Shapes.Format(other.shape)}); convert one with To()");
        if (rtol < 0) throw new ArgumentException($"isclose: rtol must be greater than or equal to zero, but got {rtol}");
        if (atol < 0) throw new ArgumentException($"isclose: atol must be greater than or equal to zero, but got {atol}");
        return DType switch
        {
            DType.Float32 => Pointwise.Zip<float, bool, IsCloseOp<float>>(this, other, new(rtol, atol, equalNan), "isclose"),
            DType.Float64 => Pointwise.Zip<double, bool, IsCloseOp<double>>(this, other, new(rtol, atol, equalNan), "isclose"),
            DType.Bool => Eq(other),
            // integers compare exactly enough in float64 for any sensible tolerance
            _ => Pointwise.Zip<double, bool, IsCloseOp<double>>(RawTo(DType.Float64), other.RawTo(DType.Float64), new(rtol, atol, equalNan), "isclose"),
        };
    }

    /// <summary>Whether every element is close to the other tensor's (see <see cref="IsClose"/>).</summary>
    public bool AllClose(Tensor other, double rtol = 1e-05, double atol = 1e-08, bool equalNan = false) =>
        IsClose(other, rtol, atol, equalNan).All().Item<bool>();
}
