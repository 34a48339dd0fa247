using DeepGen.Compiled;

namespace DeepGen.Tests.Compiled;

/// <summary>
/// The compiled path's caching allocator: saved buffers a compiled forward lists as recyclable go to
/// <see cref="StoragePool"/> once a backward has run without keeping the graph, and the next storage of that
/// type and length takes them; anything another tensor may still read stays where it is. Each test uses a
/// length of its own, so tests running in parallel never take each other's buffers.
/// </summary>
public class RecyclingTests
{
    /// <summary>A toy compiled node: y = 2x, saving <paramref name="saved"/>; returns y's tape node output.</summary>
    static Tensor Record(Tensor x, Tensor output, Tensor[] saved, int[] recyclable, Func<Tensor, Tensor>? gradient = null) =>
        Tape.Record("Toy", output, [x], saved, (grad, values, needs) => [gradient is null ? grad * 2 : gradient(grad)], recyclable);

    static Tensor Leaf(int length) => Tensor.Ones(length).RequiresGrad_();

    [Fact]
    public void A_saved_buffer_is_recycled_after_the_backward_and_the_next_storage_of_its_length_takes_it()
    {
        const int length = 70_001;
        var x = Leaf(length);
        var saved = Tensor.Uninitialized([length], DType.Float32);
        float[] buffer = saved.Data<float>();
        var y = Record(x, x.Detach() * 2, [saved], [0]);

        y.Sum().Backward();

        Assert.Equal(2f, x.Grad!.ToArray<float>()[0]);
        var error = Assert.Throws<InvalidOperationException>(() => saved.Data<float>());
        Assert.Contains("storage pool", error.Message);
        Assert.Same(buffer, Tensor.Uninitialized([length], DType.Float32).Data<float>());
    }

    [Fact]
    public void A_recycled_buffer_taken_for_a_zeroed_tensor_is_zeroed()
    {
        const int length = 70_003;
        var x = Leaf(length);
        var saved = Tensor.Full([length], 5f);
        float[] buffer = saved.Data<float>();
        Record(x, x.Detach() * 2, [saved], [0]).Sum().Backward();

        var zeros = Tensor.Zeros(length);

        Assert.Same(buffer, zeros.Data<float>());
        Assert.All(zeros.ToArray<float>(), v => Assert.Equal(0f, v));
    }

    [Fact]
    public void Nothing_is_recycled_while_the_graph_is_kept_so_a_second_backward_works()
    {
        const int length = 70_005;
        var x = Leaf(length);
        var saved = Tensor.Uninitialized([length], DType.Float32);
        var y = Record(x, x.Detach() * 2, [saved], [0]);

        y.Sum().Backward(retainGraph: true);
        _ = saved.Data<float>();
        y.Sum().Backward();

        Assert.Equal(4f, x.Grad!.ToArray<float>()[0]);
    }

    [Fact]
    public void A_buffer_that_a_view_may_read_the_output_or_a_gradient_shares_is_not_recycled()
    {
        const int length = 70_007;
        var x = Leaf(length);
        var viewed = Tensor.Uninitialized([length], DType.Float32);
        var view = viewed.Reshape(7, 10_001);
        var output = x.Detach() * 2;
        var handedOn = Tensor.Uninitialized([length], DType.Float32);
        var y = Record(x, output, [viewed, output, handedOn], [0, 1, 2], gradient: _ => handedOn);

        y.Sum().Backward();

        _ = view.Data<float>();
        _ = y.Data<float>();
        _ = handedOn.Data<float>();
    }

    [Fact]
    public void Buffers_below_the_pool_size_are_left_to_the_collector()
    {
        int length = StoragePool.MinBytes / sizeof(float) - 1;
        var x = Leaf(length);
        var saved = Tensor.Uninitialized([length], DType.Float32);
        Record(x, x.Detach() * 2, [saved], [0]).Sum().Backward();

        _ = saved.Data<float>();
    }

    [Fact]
    public void Library_Recycle_takes_dead_buffers_but_not_one_a_kept_tensor_or_a_view_shares()
    {
        const int length = 70_014;
        var dead = Tensor.Uninitialized([length], DType.Float32);
        var kept = Tensor.Uninitialized([length], DType.Float32);
        var viewed = Tensor.Uninitialized([length], DType.Float32);
        var view = viewed.Reshape(7, 10_002);
        float[] buffer = dead.Data<float>();

        Library.Recycle([dead, kept, viewed, null], [kept]);

        Assert.Throws<InvalidOperationException>(() => dead.Data<float>());
        _ = kept.Data<float>();
        _ = view.Data<float>();
        Assert.Same(buffer, Tensor.Uninitialized([length], DType.Float32).Data<float>());
    }
}
