using DeepGen.Autograd;
using DeepGen.Kernels;

namespace DeepGen;

// Selection by a bool condition: where and masked_fill, differentiable in the values they pick.
public sealed partial class Tensor
{
    /// <summary>
    /// x where condition is true, else y, over the broadcast of all three shapes; x and y are promoted to a
    /// common dtype. Gradients flow to x where the condition holds and to y elsewhere.
    /// </summary>
    public static Tensor Where(Tensor condition, Tensor x, Tensor y)
    {
        if (condition.DType != DType.Bool)
            throw new ArgumentException($"where: expected a bool condition, but got a condition of dtype {condition.DType.Name()} (shape {Shapes.Format(condition.shape)})");
        var shape = BroadcastWhere(condition.shape, x.shape, y.shape);
        var (a, b) = Promoted(x, y);
        var result = Pointwise.Where(condition, a, b, shape);
        if (GradMode.ShouldRecord(x, y))
        {
            var node = new Node("where", x, y);
            var saved = node.Save(condition);
            node.SetBackward(g =>
            {
                var c = saved.Get();
                return [node.NeedsGrad(0) ? Where(c, g, 0.0) : null, node.NeedsGrad(1) ? Where(c, 0.0, g) : null];
            });
            result.WithGradFn(node);
        }
        return result;
    }

    public static Tensor Where(Tensor condition, Tensor x, double y) => Where(condition, x, x.ScalarOperand(y));

    public static Tensor Where(Tensor condition, double x, Tensor y) => Where(condition, y.ScalarOperand(x), y);

    /// <summary>
    /// A copy with <paramref name="value"/> (converted to this tensor's dtype) where the bool mask is true;
    /// the mask broadcasts with this tensor. No gradient flows to the filled positions.
    /// </summary>
    public Tensor MaskedFill(Tensor mask, double value)
    {
        CheckMask(mask, "masked_fill");
        var resultShape = Shapes.Broadcast(shape, mask.shape, "masked_fill");
        var result = Pointwise.Where(mask, Scalar(value, DType), this, resultShape);
        if (GradMode.ShouldRecord(this))
        {
            var node = new Node("masked_fill", this);
            var saved = node.Save(mask);
            node.SetBackward(g => [Where(saved.Get(), 0.0, g)]);
            result.WithGradFn(node);
        }
        return result;
    }

    /// <summary><see cref="MaskedFill(Tensor, double)"/> with a 0-d value tensor, which gets the filled positions' gradient.</summary>
    public Tensor MaskedFill(Tensor mask, Tensor value)
    {
        CheckMask(mask, "masked_fill");
        if (value.Rank != 0)
            throw new ArgumentException($"masked_fill: only supports a 0-dimensional value tensor, but got a value of shape {Shapes.Format(value.shape)} (tensor shape {Shapes.Format(shape)}, mask shape {Shapes.Format(mask.shape)})");
        var resultShape = Shapes.Broadcast(shape, mask.shape, "masked_fill");
        var result = Pointwise.Where(mask, value.RawTo(DType), this, resultShape);
        if (GradMode.ShouldRecord(this, value))
        {
            var node = new Node("masked_fill", this, value);
            var saved = node.Save(mask);
            // the engine sums the value's broadcast gradient down to its 0-d shape
            node.SetBackward(g =>
            {
                var m = saved.Get();
                return [node.NeedsGrad(0) ? Where(m, 0.0, g) : null, node.NeedsGrad(1) ? Where(m, g, 0.0) : null];
            });
            result.WithGradFn(node);
        }
        return result;
    }

    /// <summary>In-place <see cref="MaskedFill(Tensor, double)"/>; the mask must broadcast to this tensor's shape.</summary>
    public Tensor MaskedFill_(Tensor mask, double value)
    {
        CheckMask(mask, "masked_fill_");
        var resultShape = Shapes.Broadcast(shape, mask.shape, "masked_fill_");
        if (!Shapes.Equal(resultShape, shape))
            throw new ArgumentException($"masked_fill_: a mask of shape {Shapes.Format(mask.shape)} cannot be broadcast to the tensor's shape {Shapes.Format(shape)} in place");
        return InPlace("masked_fill_", null, self => self.MaskedFill(mask, value), () => Pointwise.MaskedFillInPlace(this, mask, value, "masked_fill_"));
    }

    void CheckMask(Tensor mask, string op)
    {
        if (mask.DType != DType.Bool)
            throw new ArgumentException($"{op}: only bool masks are supported, but got a mask of dtype {mask.DType.Name()} (mask shape {Shapes.Format(mask.shape)}, tensor shape {Shapes.Format(shape)})");
    }

    /// <summary>The broadcast of where's three shapes, or an error that names all of them.</summary>
    static int[] BroadcastWhere(int[] condition, int[] x, int[] y)
    {
        int rank = Math.Max(condition.Length, Math.Max(x.Length, y.Length));
        var result = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            int size = 1;
            foreach (var s in (ReadOnlySpan<int[]>)[condition, x, y])
            {
                int d = i < rank - s.Length ? 1 : s[i - (rank - s.Length)];
                if (d == 1) continue;
                if (size != 1 && d != size)
                    throw new ArgumentException($"where: the condition's shape {Shapes.Format(condition)}, x's shape {Shapes.Format(x)} and y's shape {Shapes.Format(y)} cannot be broadcast together (dimension {i} of the result would be both {size} and {d})");
                size = d;
            }
            result[i] = size;
        }
        return result;
    }
}
