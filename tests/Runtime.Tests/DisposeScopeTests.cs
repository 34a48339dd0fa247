using DeepGen.Optim;

namespace DeepGen.Tests;

/// <summary>
/// Torch.NewDisposeScope: what a scope disposes and what it leaves (moved-out tensors, gradients, optimizer
/// state, views kept outside), that disposed buffers are reused, that training in scopes changes no result,
/// that an autograd graph leaving a scope still runs, and the errors.
/// </summary>
public class DisposeScopeTests
{
    // 256 KiB of floats, above the pool's 64 KiB floor; a length no other test uses, since the pool is shared by the threads running tests
    const int Big = 65_543;

    [Fact]
    public void Tensors_made_in_a_scope_are_disposed_with_it_and_one_moved_out_is_not()
    {
        Tensor kept, dropped;
        using (var scope = Torch.NewDisposeScope())
        {
            var x = Tensor.Randn([4, 4], generator: new Generator(1));
            dropped = x * 2;
            int before = scope.Count; // x, dropped and the ops' own temporaries (the scalar 2)
            kept = (x + 1).MoveToOuterDisposeScope();
            Assert.Equal(before + 1, scope.Count); // the scalar 1, not kept
        }

        Assert.True(dropped.IsDisposed);
        Assert.False(kept.IsDisposed);
        Assert.Equal(16, kept.ToArray<float>().Length);
    }

    [Fact]
    public void A_disposed_buffer_is_reused_by_the_next_tensor_of_its_size_and_reading_it_then_throws()
    {
        float[] buffer;
        Tensor disposed;
        using (Torch.NewDisposeScope())
        {
            disposed = Tensor.Ones([Big]) * 3;
            buffer = disposed.Data<float>();
        }

        var next = Tensor.Zeros([Big]);

        Assert.Same(buffer, next.Data<float>());
        Assert.All(next.ToArray<float>(), v => Assert.Equal(0f, v)); // zeroed again for Zeros
        var error = Assert.Throws<InvalidOperationException>(() => disposed.ToArray<float>());
        Assert.Contains("read after it was disposed", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_view_kept_outside_the_scope_keeps_the_buffer()
    {
        Tensor view;
        float[] buffer;
        using (Torch.NewDisposeScope())
        {
            var whole = Tensor.Ones([Big]) * 5;
            buffer = whole.Data<float>();
            view = whole.Unsqueeze(0).DetachFromDisposeScope();
        }

        var next = Tensor.Zeros([Big]);

        Assert.NotSame(buffer, next.Data<float>());
        Assert.All(view.ToArray<float>(), v => Assert.Equal(5f, v));
    }

    [Fact]
    public void Nested_scopes_dispose_inner_first_and_a_tensor_moved_out_goes_to_the_outer_one()
    {
        using var outer = Torch.NewDisposeScope();
        Tensor moved;
        using (Torch.NewDisposeScope())
        {
            moved = Tensor.Ones([3]).MoveToOuterDisposeScope();
        }

        Assert.False(moved.IsDisposed);
        Assert.Equal(1, outer.Count);
        outer.Dispose();
        Assert.True(moved.IsDisposed);
    }

    [Fact]
    public void Scopes_disposed_out_of_order_are_refused()
    {
        var outer = Torch.NewDisposeScope();
        var inner = Torch.NewDisposeScope();

        var error = Assert.Throws<InvalidOperationException>(() => outer.Dispose());

        Assert.StartsWith("DisposeScope.Dispose: a scope opened after this one is still open", error.Message, StringComparison.Ordinal);
        inner.Dispose();
        outer.Dispose();
    }

    static (Sequential Model, Adam Optimizer) Net()
    {
        Torch.ManualSeed(2);
        var model = new Sequential(new Linear(64, 512), new ReLU(), new Linear(512, 10));
        return (model, new Adam(model.Parameters(), lr: 1e-2));
    }

    static float Step(Sequential model, Adam optimizer, Tensor x, Tensor y)
    {
        optimizer.ZeroGrad();
        var loss = F.CrossEntropy(model.Forward(x), y);
        loss.Backward();
        optimizer.Step();
        return loss.Item<float>();
    }

    [Fact]
    public void Training_steps_in_scopes_give_the_same_losses_and_parameters_as_without()
    {
        var x = Tensor.Randn([128, 64], generator: new Generator(3));
        var y = Tensor.Randint(0, 10, [128], generator: new Generator(4));
        var (plain, plainOptimizer) = Net();
        var (scoped, scopedOptimizer) = Net();

        for (int step = 0; step < 4; step++)
        {
            float expected = Step(plain, plainOptimizer, x, y);
            float actual;
            using (Torch.NewDisposeScope())
            {
                actual = Step(scoped, scopedOptimizer, x, y);
            }

            Assert.Equal(expected, actual);
        }

        foreach (var ((name, p), (_, q)) in plain.NamedParameters().Zip(scoped.NamedParameters()))
        {
            Assert.Equal(p.ToArray<float>(), q.ToArray<float>());
            Assert.False(q.Grad!.IsDisposed, name);
            Assert.Equal(p.Grad!.ToArray<float>(), q.Grad.ToArray<float>());
        }
    }

    [Fact]
    public void A_loss_moved_out_before_its_backward_still_backpropagates_through_dropout()
    {
        var x = Tensor.Randn([128, 64], generator: new Generator(5));
        var y = Tensor.Randint(0, 10, [128], generator: new Generator(6));
        // a dropout mask of [128, 512] floats (256 KiB, big enough for the pool) that only the backward reads
        static Tensor Loss(Sequential net, Tensor x, Tensor y) =>
            F.CrossEntropy(((ITensorModule)net[2]).Forward(F.Dropout(((ITensorModule)net[1]).Forward(((ITensorModule)net[0]).Forward(x)), 0.5, training: true)), y);

        var (reference, _) = Net();
        Torch.ManualSeed(7);
        Loss(reference, x, y).Backward();
        var (model, _) = Net();

        Tensor loss;
        using (Torch.NewDisposeScope())
        {
            Torch.ManualSeed(7);
            loss = Loss(model, x, y).MoveToOuterDisposeScope();
        }

        // nothing of the scope went back to the pool: the backward still reads the activations and the mask
        for (int i = 0; i < 4; i++) Tensor.Ones([128, 512]);
        loss.Backward();
        foreach (var ((_, p), (_, q)) in reference.NamedParameters().Zip(model.NamedParameters()))
        {
            Assert.Equal(p.Grad!.ToArray<float>(), q.Grad!.ToArray<float>());
        }
    }
}
