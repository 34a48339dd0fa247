using DeepGen.Autograd;
using DeepGen.Kernels;

namespace DeepGen;

// Elementwise math with autograd. Float functions (sqrt, sin, erf...) compute integral inputs in float32,
// as PyTorch does; abs, square, clamp, maximum and integer powers keep an int64 tensor int64.
public sealed partial class Tensor
{
    public Tensor Abs() => NumericOp<AbsFn, AbsBackwardFn>("abs", this, saveResult: false);

    /// <summary>-1, 0 or 1 by the sign of each element; its gradient is zero.</summary>
    public Tensor Sign()
    {
        var result = Elementwise.Unary<SignFn>(this, "sign");
        if (GradMode.ShouldRecord(this))
        {
            var node = new Node("sign", this);
            node.SetBackward(g => [ZerosLike(g)]);
            result.WithGradFn(node);
        }
        return result;
    }

    public Tensor Square() => NumericOp<SquareFn, SquareBackwardFn>("square", NonBool(), saveResult: false);

    public Tensor Sqrt() => FloatOp<SqrtFn, SqrtBackwardFn>("sqrt", saveResult: true);

    /// <summary>1 / sqrt(x).</summary>
    public Tensor Rsqrt() => FloatOp<RsqrtFn, RsqrtBackwardFn>("rsqrt", saveResult: true);

    public Tensor Sin() => FloatOp<SinFn, SinBackwardFn>("sin", saveResult: false);

    public Tensor Cos() => FloatOp<CosFn, CosBackwardFn>("cos", saveResult: false);

    /// <summary>The error function, 2/sqrt(pi) times the integral of exp(-t^2) from 0 to x.</summary>
    public Tensor Erf() => FloatOp<ErfFn, ErfBackwardFn>("erf", saveResult: false);

    /// <summary>1 - erf(x), without the cancellation for large x.</summary>
    public Tensor Erfc() => FloatOp<ErfcFn, ErfcBackwardFn>("erfc", saveResult: false);

    /// <summary>
    /// x to a scalar power. An integral exponent keeps an int64 (or bool) tensor integral, where a negative
    /// one is an error, as in PyTorch; a fractional exponent computes in float32.
    /// </summary>
    public Tensor Pow(double exponent)
    {
        var dtype = DTypes.PromoteWithScalar(DType, IsFloatingScalar(exponent));
        Tensor result;
        if (!dtype.IsFloatingPoint())
        {
            if (exponent < 0)
                throw new ArgumentException($"pow: integers to negative integer powers are not allowed (a tensor of dtype {DType.Name()} and shape {Shapes.Format(shape)} to the power {exponent})");
            result = Pointwise.Map<long, long, IntPowScalarOp>(RawTo(DType.Int64), new((long)exponent));
        }
        else
        {
            var x = RawTo(dtype);
            result = exponent switch
            {
                2 => Elementwise.Unary<SquareFn>(x, "pow"),
                0.5 => Elementwise.FloatUnary<SqrtFn>(x, "pow"),
                _ => Pointwise.FloatUnary(x, new PowScalarFn(exponent), "pow"),
            };
        }
        if (GradMode.ShouldRecord(this))
        {
            var node = new Node("pow", this);
            var saved = node.Save(this);
            node.SetBackward(g =>
            {
                var x = saved.Get();
                // d/dx x^0 is 0 everywhere, also at x = 0 where the general formula gives 0 * 0^-1
                return [exponent == 0 ? ZerosLike(x) : Pointwise.FloatBinary(g.RawTo(x.DType), x, new PowScalarBackwardFn(exponent), "pow_backward")];
            });
            result.WithGradFn(node);
        }
        return result;
    }

    /// <summary>
    /// Elementwise x^exponent with broadcasting and promotion; both operands get gradients. As PyTorch, the
    /// base's gradient is 0 where the exponent is 0, and the exponent's gradient is 0 where the base is 0
    /// and the exponent non-negative (instead of 0 * log 0).
    /// </summary>
    public Tensor Pow(Tensor exponent)
    {
        var (a, b) = Promoted(this, exponent);
        a = a.NonBool();
        b = b.NonBool();
        var result = a.DType == DType.Int64 ? Elementwise.Zip<long, long, IntPowFn>(a, b, "pow") : Elementwise.FloatBinary<PowFn>(a, b, "pow");
        if (GradMode.ShouldRecord(this, exponent))
        {
            var node = new Node("pow", this, exponent);
            var savedBase = node.Save(this);
            var savedExponent = node.Save(exponent);
            var savedResult = node.NeedsGrad(1) ? node.Save(result) : null;
            node.SetBackward(g =>
            {
                var x = savedBase.Get();
                var e = savedExponent.Get();
                var dx = node.NeedsGrad(0) ? Where(e.Eq(0), 0.0, g * e * x.Pow(e - 1)) : null;
                var de = savedResult is null ? null : Where(x.Eq(0).LogicalAnd(e.Ge(0)), 0.0, g * savedResult.Get() * x.Log());
                return [dx, de];
            });
            result.WithGradFn(node);
        }
        return result;
    }

    /// <summary>A scalar to tensor powers (PyTorch's <c>torch.pow(self: Number, exponent: Tensor)</c>).</summary>
    public static Tensor Pow(double self, Tensor exponent) => exponent.ScalarOperand(self).Pow(exponent);

    /// <summary>
    /// Limits elements to [min, max]; either bound may be omitted. Fractional bounds make an int64 tensor
    /// float32. The gradient is 1 where min &lt;= x &lt;= max (bounds included, as PyTorch) and 0 outside.
    /// </summary>
    public Tensor Clamp(double? min = null, double? max = null)
    {
        var dtype = ClampDType(min, max, "clamp");
        var result = ClampKernel(RawTo(dtype), min, max);
        if (GradMode.ShouldRecord(this))
        {
            var node = new Node("clamp", this);
            var saved = node.Save(this);
            node.SetBackward(g =>
            {
                var x = saved.Get();
                return [Pointwise.FloatBinary(g.RawTo(x.DType), x, new ClampBackwardFn(min, max), "clamp_backward")];
            });
            result.WithGradFn(node);
        }
        return result;
    }

    /// <summary>In-place <see cref="Clamp"/>; the bounds must not change this tensor's dtype.</summary>
    public Tensor Clamp_(double? min = null, double? max = null)
    {
        var dtype = ClampDType(min, max, "clamp_");
        if (dtype != DType)
            throw new InvalidOperationException($"clamp_: result type {dtype.Name()} can't be cast to the desired output type {DType.Name()} (shape {Shapes.Format(shape)})");
        return InPlace("clamp_", null, self => self.Clamp(min, max), () => ClampInPlace(this, min, max));
    }

    /// <summary>The elementwise larger of two tensors (NaN if either is NaN); tied elements share the gradient.</summary>
    public Tensor Maximum(Tensor other) => Extremum<MaximumFn>(other, "maximum", takesLarger: true);

    public Tensor Minimum(Tensor other) => Extremum<MinimumFn>(other, "minimum", takesLarger: false);

    Tensor Extremum<TFn>(Tensor other, string op, bool takesLarger) where TFn : struct, INumericBinary
    {
        var (a, b) = Promoted(this, other);
        var result = Elementwise.Binary<TFn>(a.NonBool(), b.NonBool(), op);
        if (a.DType == DType.Bool) result = result.RawTo(DType.Bool);
        if (GradMode.ShouldRecord(this, other))
        {
            var node = new Node(op, this, other);
            var savedA = node.Save(this);
            var savedB = node.Save(other);
            node.SetBackward(g =>
            {
                var x = savedA.Get();
                var y = savedB.Get();
                var shared = Where(x.Eq(y), g * 0.5, g);
                var xLoses = takesLarger ? x.Lt(y) : x.Gt(y);
                var yLoses = takesLarger ? x.Gt(y) : x.Lt(y);
                return [node.NeedsGrad(0) ? Where(xLoses, 0.0, shared) : null, node.NeedsGrad(1) ? Where(yLoses, 0.0, shared) : null];
            });
            result.WithGradFn(node);
        }
        return result;
    }

    // ---- helpers shared by the math and activation files ----

    /// <summary>A float op f(x) whose backward is one fused kernel TGrad(g, saved), saved being x or f(x).</summary>
    Tensor FloatOp<TFn, TGrad>(string op, bool saveResult) where TFn : struct, IFloatUnary where TGrad : struct, IFloatBinary
    {
        var result = Elementwise.FloatUnary<TFn>(AsFloating(), op);
        if (GradMode.ShouldRecord(this))
        {
            var node = new Node(op, this);
            var saved = node.Save(saveResult ? result : this);
            node.SetBackward(g => [FusedGrad<TGrad>(g, saved.Get(), op)]);
            result.WithGradFn(node);
        }
        return result;
    }

    /// <summary>A float op with parameters; its backward TGrad(g, x) sees the input.</summary>
    Tensor FloatOpWith<TFn, TGrad>(string op, TFn fn, TGrad grad) where TFn : struct, IFloatUnaryWith where TGrad : struct, IFloatBinaryWith
    {
        var result = Pointwise.FloatUnary(AsFloating(), fn, op);
        if (GradMode.ShouldRecord(this))
        {
            var node = new Node(op, this);
            var saved = node.Save(this);
            node.SetBackward(g =>
            {
                var x = saved.Get();
                return [Pointwise.FloatBinary(g.RawTo(x.DType), x, grad, op + "_backward")];
            });
            result.WithGradFn(node);
        }
        return result;
    }

    /// <summary>An op that keeps the dtype of <paramref name="input"/> (float32, float64 or int64).</summary>
    Tensor NumericOp<TFn, TGrad>(string op, Tensor input, bool saveResult) where TFn : struct, INumericUnary where TGrad : struct, IFloatBinary
    {
        var result = Elementwise.Unary<TFn>(input, op);
        if (GradMode.ShouldRecord(this))
        {
            var node = new Node(op, this);
            var saved = node.Save(saveResult ? result : this);
            node.SetBackward(g => [FusedGrad<TGrad>(g, saved.Get(), op)]);
            result.WithGradFn(node);
        }
        return result;
    }

    static Tensor FusedGrad<TGrad>(Tensor g, Tensor saved, string op) where TGrad : struct, IFloatBinary =>
        Elementwise.FloatBinary<TGrad>(g.RawTo(saved.DType), saved, op + "_backward");

    /// <summary>Whether a scalar counts as floating for type promotion (as in <see cref="ScalarOperand"/>).</summary>
    static bool IsFloatingScalar(double value) => value != Math.Floor(value) || !double.IsFinite(value);

    DType ClampDType(double? min, double? max, string op)
    {
        if (min is null && max is null)
            throw new ArgumentException($"{op}: at least one of min and max must be given");
        bool floating = (min is { } lo && IsFloatingScalar(lo)) || (max is { } hi && IsFloatingScalar(hi));
        return DTypes.PromoteWithScalar(DType, floating);
    }

    static Tensor ClampKernel(Tensor x, double? min, double? max) => x.DType switch
    {
        DType.Float32 => Pointwise.Map<float, float, ClampOp<float>>(x, new((float?)min, (float?)max)),
        DType.Float64 => Pointwise.Map<double, double, ClampOp<double>>(x, new(min, max)),
        DType.Int64 => Pointwise.Map<long, long, ClampOp<long>>(x, new((long?)min, (long?)max)),
        _ => throw Elementwise.Unsupported("clamp", x.DType),
    };

    static void ClampInPlace(Tensor x, double? min, double? max)
    {
        switch (x.DType)
        {
            case DType.Float32: Pointwise.MapInPlace<float, ClampOp<float>>(x, new((float?)min, (float?)max), "clamp_"); break;
            case DType.Float64: Pointwise.MapInPlace<double, ClampOp<double>>(x, new(min, max), "clamp_"); break;
            case DType.Int64: Pointwise.MapInPlace<long, ClampOp<long>>(x, new((long?)min, (long?)max), "clamp_"); break;
            default: throw Elementwise.Unsupported("clamp_", x.DType);
        }
    }
}
