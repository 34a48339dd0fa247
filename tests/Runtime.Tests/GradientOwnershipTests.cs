using DeepGen.Autograd;
using Xunit;

namespace DeepGen.Tests;

/// <summary>
/// The engine hands a gradient to a leaf without a copy only when nothing else can see its buffer:
/// these check both sides, that no leaf's Grad aliases another tensor and that the copy is skipped when safe.
/// </summary>
public class GradientOwnershipTests
{
    [Fact]
    public void Two_leaves_fed_by_one_add_get_separate_gradients()
    {
        var a = Tensor.Randn(3, 4).RequiresGrad_();
        var b = Tensor.Randn(3, 4).RequiresGrad_();
        (a + b).Sum().Backward();

        Assert.NotSame(a.Grad!.Storage, b.Grad!.Storage);
        a.Grad.Mul_(5.0);
        Assert.Equal(Enumerable.Repeat(1f, 12), b.Grad.ToArray<float>());
    }

    [Fact]
    public void A_callers_gradient_is_copied_into_the_leaf()
    {
        var x = Tensor.Randn(5).RequiresGrad_();
        var seed = Tensor.Ones(5);
        x.Clone().Backward(seed); // clone's backward passes the seed straight through

        Assert.NotSame(seed.Storage, x.Grad!.Storage);
        seed.Mul_(3.0);
        Assert.Equal(Enumerable.Repeat(1f, 5), x.Grad.ToArray<float>());
    }

    [Fact]
    public void A_forward_tensor_passed_through_as_a_gradient_is_copied()
    {
        // d(sum(w * c))/dw = c expanded: a view; d(x @ W) products are fresh. A gradient made before the
        // backward pass (here the constant c, returned by mul's backward only after a product) never becomes Grad.
        var w = Tensor.Randn(4).RequiresGrad_();
        var c = Tensor.Randn(4);
        (w * c).Sum().Backward();

        Assert.NotSame(c.Storage, w.Grad!.Storage);
        Assert.Equal(c.ToArray<float>(), w.Grad.ToArray<float>());
    }

    [Fact]
    public void A_retained_gradient_and_the_leaf_gradient_do_not_share_a_buffer()
    {
        var x = Tensor.Randn(6).RequiresGrad_();
        var h = x * 2f;
        h.RetainGrad();
        var y = h.Clone();
        y.Sum().Backward();

        Assert.NotSame(h.Grad!.Storage, x.Grad!.Storage);
        Assert.Equal(Enumerable.Repeat(2f, 6), x.Grad.ToArray<float>());
        Assert.Equal(Enumerable.Repeat(1f, 6), h.Grad.ToArray<float>());
    }

    [Fact]
    public void A_second_backward_adds_into_a_fresh_buffer()
    {
        var x = Tensor.Randn(2, 3).RequiresGrad_();
        (x * 3f).Sum().Backward();
        var first = x.Grad!;
        (x * 3f).Sum().Backward();

        Assert.NotSame(first.Storage, x.Grad!.Storage);
        Assert.Equal(Enumerable.Repeat(3f, 6), first.ToArray<float>());
        Assert.Equal(Enumerable.Repeat(6f, 6), x.Grad.ToArray<float>());
    }

    [Fact]
    public void Only_whole_contiguous_buffers_made_in_the_pass_and_handed_out_once_are_owned()
    {
        var before = Tensor.Randn(4, 4);
        var owned = new OwnedGradients();
        var fresh = Tensor.Randn(4, 4);
        var twice = Tensor.Randn(4, 4);
        var view = Tensor.Randn(4, 4);
        var transposed = Tensor.Randn(4, 4).Transpose(0, 1);

        owned.HandOut(before);
        owned.HandOut(fresh);
        owned.HandOut(twice);
        owned.HandOut(twice);
        owned.HandOut(view.Narrow(0, 1, 2));
        owned.HandOut(transposed);

        Assert.False(owned.IsSoleOwner(before));
        Assert.True(owned.IsSoleOwner(fresh));
        Assert.False(owned.IsSoleOwner(twice));
        Assert.False(owned.IsSoleOwner(view.Narrow(0, 1, 2)));
        Assert.False(owned.IsSoleOwner(transposed));
        Assert.False(owned.IsSoleOwner(Tensor.Randn(4, 4))); // never handed out
    }

    [Fact]
    public void A_gradient_made_in_the_pass_for_one_leaf_becomes_its_Grad_without_a_copy()
    {
        var x = Tensor.Randn(8, 3).RequiresGrad_();
        Tensor? made = null;
        var y = DeepGen.Compiled.Tape.Record("test.fresh_gradient", x * 1f, [x], [], (grad, _, _) =>
        {
            made = Tensor.Full([8, 3], 7f); // as a backward kernel makes its input's gradient
            return [made];
        });

        y.Sum().Backward();

        Assert.Same(made!.Storage, x.Grad!.Storage);
        Assert.Equal(Enumerable.Repeat(7f, 24), x.Grad.ToArray<float>());
    }
}
