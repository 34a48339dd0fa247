using DeepGen.Compiled;

namespace DeepGen.Tests.Compiled;

/// <summary>
/// The library entry points of compiled code against the eager ops: forward values, and for the backward
/// entry points the gradients eager autograd computes, at odd sizes and with non-default attributes.
/// </summary>
public class LibraryTests
{
    static Tensor Randn(ulong seed, params int[] shape) => Tensor.Randn(shape, generator: new Generator(seed));

    static Tensor Leaf(Tensor t) => t.Detach().RequiresGrad_();

    static void Close(Tensor expected, Tensor actual, string what, double tolerance = 1e-5)
    {
        Assert.Equal(expected.ShapeArray(), actual.ShapeArray());
        var e = expected.ToArray<double>();
        var a = actual.ToArray<double>();
        for (int i = 0; i < e.Length; i++)
            Assert.True(Math.Abs(e[i] - a[i]) <= tolerance * Math.Max(1, Math.Abs(e[i])), $"{what}[{i}]: eager {e[i]:R}, compiled {a[i]:R}");
    }

    [Fact]
    public void Cat_and_stack_and_their_gradients_match_eager_with_promotion_and_a_legacy_empty_input()
    {
        var a = Leaf(Randn(1, 3, 2));
        var b = Leaf(Randn(2, 3, 4).To(DType.Float64));
        var empty = Leaf(Tensor.Zeros([0], DType.Float32));
        var g = Randn(3, 3, 6).To(DType.Float64);
        Tensor.Cat([a, empty, b], -1).Backward(g);

        Close(Tensor.Cat([a, empty, b], -1), Library.Cat(-1, a, empty, b), "cat");
        var ga = Library.CatBackward(g, -1, 0, a, empty, b);
        Assert.Equal(DType.Float32, ga.DType); // each input's gradient in its own dtype, as eager autograd gives it
        Close(a.Grad!, ga, "cat grad a");
        Close(b.Grad!, Library.CatBackward(g, -1, 2, a, empty, b), "cat grad b");
        Assert.Equal([0], Library.CatBackward(g, -1, 1, a, empty, b).ShapeArray());

        var x = Leaf(Randn(4, 2, 5));
        var y = Leaf(Randn(5, 2, 5));
        var gs = Randn(6, 2, 2, 5);
        Tensor.Stack([x, y], 1).Backward(gs);
        Close(Tensor.Stack([x, y], 1), Library.Stack(1, x, y), "stack");
        Close(x.Grad!, Library.StackBackward(gs, x, 1, 0), "stack grad x");
        Close(y.Grad!, Library.StackBackward(gs, y, 1, 1), "stack grad y");
    }

    [Fact]
    public void Linear_and_matmul_epilogues_match_eager()
    {
        var x = Randn(1, 7, 33);
        var w = Randn(2, 5, 33);
        var b = Randn(3, 5);
        Close(F.Relu(F.Linear(x, w, b)), Library.Linear(x, w, b, relu: true), "linear+relu");
        Close(F.Linear(x, w, null), Library.Linear(x, w, null), "linear");
        // a transposed right operand is read through its strides
        Close(F.Relu(x.MatMul(w.T) + b), Library.MatMul(x, w.T, b, relu: true), "matmul+bias+relu");
    }

    [Fact]
    public void Conv2d_and_its_gradients_match_eager_with_stride_dilation_and_groups()
    {
        var x = Leaf(Randn(4, 3, 4, 9, 11));
        var w = Leaf(Randn(5, 6, 2, 3, 3));
        var b = Leaf(Randn(6, 6));
        var y = F.Conv2d(x, w, b, (2, 1), (1, 2), (1, 2), 2);
        var g = Randn(7, y.ShapeArray());
        y.Backward(g);

        Close(y, Library.Conv2d(x, w, b, (2, 1), (1, 2), (1, 2), 2), "conv2d");
        Close(x.Grad!, Library.Conv2dInputGrad(g, w, Library.ShapeOf(x), (2, 1), (1, 2), (1, 2), 2), "input grad");
        Close(w.Grad!, Library.Conv2dWeightGrad(g, x, Library.ShapeOf(w), (2, 1), (1, 2), (1, 2), 2), "weight grad");
    }

    [Fact]
    public void Pooling_and_its_gradients_match_eager()
    {
        var x = Leaf(Randn(8, 2, 3, 7, 9));
        var maxed = F.MaxPool2d(x, (3, 2), (2, 2), (1, 1), (1, 1), ceilMode: true);
        var g = Randn(9, maxed.ShapeArray());
        maxed.Backward(g);
        var (values, indices) = Library.MaxPool2d(x, (3, 2), (2, 2), (1, 1), (1, 1), true);
        Close(maxed, values, "max");
        Close(x.Grad!, Library.MaxPool2dBackward(g, indices, Library.ShapeOf(x), (3, 2), (2, 2), (1, 1), (1, 1), true), "max grad");

        var z = Leaf(Randn(10, 2, 3, 7, 9));
        var averaged = F.AvgPool2d(z, (3, 3), (2, 2), (1, 1), ceilMode: false, countIncludePad: false);
        var h = Randn(11, averaged.ShapeArray());
        averaged.Backward(h);
        Close(averaged, Library.AvgPool2d(z, (3, 3), (2, 2), (1, 1), false, false), "avg");
        Close(z.Grad!, Library.AvgPool2dBackward(h, z, (3, 3), (2, 2), (1, 1), false, false), "avg grad");
    }

    [Fact]
    public void Batch_norm_training_updates_running_statistics_as_eager_with_a_cumulative_average()
    {
        var eager = new BatchNorm2d(3, momentum: null);
        var compiledMean = eager.RunningMean!.Clone();
        var compiledVar = eager.RunningVar!.Clone();
        var counter = eager.NumBatchesTracked!.Clone();
        for (ulong step = 0; step < 3; step++)
        {
            var x = Leaf(Randn(20 + step, 4, 3, 5, 7) * 2 + 1);
            var y = eager.Forward(x);
            var g = Randn(30 + step, y.ShapeArray());
            y.Backward(g);

            var (cy, mean, invStd) = Library.BatchNormTrain(x, eager.Weight, eager.Bias, compiledMean, compiledVar, counter, momentum: null, eps: eager.Eps);
            Close(y, cy, "y");
            var (dx, dw, db) = Library.BatchNormBackward(g, x, mean, invStd, eager.Weight);
            Close(x.Grad!, dx, "dx");
            Close(eager.Weight!.Grad!, dw!, "dweight");
            Close(eager.Bias!.Grad!, db!, "dbias");
            eager.ZeroGrad();
        }

        Close(eager.RunningMean!, compiledMean, "running_mean", 1e-6);
        Close(eager.RunningVar!, compiledVar, "running_var", 1e-6);
        Assert.Equal(3L, counter.Item<long>());
    }

    [Fact]
    public void Layer_norm_and_its_gradients_match_eager()
    {
        var x = Leaf(Randn(40, 3, 5, 7));
        var w = Leaf(Randn(41, 5, 7));
        var b = Leaf(Randn(42, 5, 7));
        var y = F.LayerNorm(x, [5, 7], w, b, 1e-4);
        var g = Randn(43, y.ShapeArray());
        y.Backward(g);

        var (cy, mean, rstd) = Library.LayerNorm(x, w, b, [5, 7], 1e-4);
        Assert.Equal(new[] { 3, 1, 1 }, mean.ShapeArray());
        Close(y, cy, "y");
        var (dx, dw, db) = Library.LayerNormBackward(g, x, mean, rstd, w, [5, 7], hasBias: true);
        Close(x.Grad!, dx, "dx");
        Close(w.Grad!, dw!, "dweight");
        Close(b.Grad!, db!, "dbias");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Softmax_and_its_gradient_match_eager(bool log)
    {
        var x = Leaf(Randn(50, 4, 33, 3));
        var y = log ? x.LogSoftmax(1) : x.Softmax(1);
        var g = Randn(51, y.ShapeArray());
        y.Backward(g);

        var cy = Library.Softmax(x, 1, log);
        Close(y, cy, "y");
        Close(x.Grad!, Library.SoftmaxBackward(g, cy, 1, log), "dx");
    }

    [Fact]
    public void Dropout_draws_the_same_mask_as_eager_from_the_same_seed()
    {
        var x = Randn(60, 7, 33);
        Torch.ManualSeed(5);
        var eager = F.Dropout(x, 0.3);
        Torch.ManualSeed(5);
        var (y, mask) = Library.Dropout(x, 0.3);

        Assert.Equal(eager.ToArray<float>(), y.ToArray<float>());
        Assert.Equal((x * mask).ToArray<float>(), y.ToArray<float>());
    }

    [Fact]
    public void Embedding_and_its_gradient_match_eager_with_a_padding_row()
    {
        var weight = Leaf(Randn(70, 9, 4));
        var indices = Tensor.FromArray(new long[] { 1, 2, 2, 8, 0, 2 }).Reshape(2, 3);
        var y = F.Embedding(indices, weight, paddingIdx: 2);
        var g = Randn(71, y.ShapeArray());
        y.Backward(g);

        Close(y, Library.Embedding(indices, weight, 2), "y");
        Close(weight.Grad!, Library.EmbeddingBackward(g, indices, Library.ShapeOf(weight), 2), "dweight");
    }

    [Fact]
    public void Reduction_gradients_spread_as_eager()
    {
        var x = Leaf(Randn(80, 3, 4, 5));
        var s = x.Sum([0, 2], keepdim: false);
        var m = x.Mean([1], keepdim: true);
        var gs = Randn(81, s.ShapeArray());
        var gm = Randn(82, m.ShapeArray());
        (s * gs).Sum().Backward();
        var sumGrad = x.Grad!.Clone();
        x.Grad = null;
        (m * gm).Sum().Backward();

        Close(sumGrad, Library.SumBackward(gs, x, [0, 2], keepdim: false), "sum grad");
        Close(x.Grad!, Library.MeanBackward(gm, x, [1], keepdim: true), "mean grad");
        Close(Randn(83, 3, 4, 5).Sum(0, keepdim: true), Library.SumTo(Randn(83, 3, 4, 5), Randn(0, 1, 4, 5)), "sum_to");
        Assert.Equal(new[] { 3, 4, 5 }, Library.ShapeOf(x).ShapeArray());
    }

    /// <summary>MatMul into an earlier product: the sum in that product's buffer, or a new tensor when it cannot be written.</summary>
    [Theory]
    [InlineData(7, 33, 5)]
    [InlineData(65, 130, 33)]
    [InlineData(1, 300, 7)]
    public void MatMul_into_a_product_adds_to_it_in_its_buffer(int m, int k, int n)
    {
        var a = Randn(1, m, k);
        var b = Randn(2, k, n);
        var earlier = Randn(3, m, n);
        var expected = earlier + a.MatMul(b);

        var sum = Library.MatMul(a, b, null, into: earlier);

        Assert.Same(earlier, sum);
        Close(expected, sum, "into");

        // batched, b broadcast over the batch
        var a3 = Randn(4, 3, m, k);
        var into3 = Randn(5, 3, m, n);
        var expected3 = into3 + a3.MatMul(b);
        Assert.Same(into3, Library.MatMul(a3, b, null, into: into3));
        Close(expected3, into3, "batched into");
    }

    [Fact]
    public void MatMul_into_a_view_or_a_tensor_in_autograd_leaves_it_and_returns_a_new_sum()
    {
        var a = Randn(1, 4, 6);
        var b = Randn(2, 6, 5);
        var wide = Randn(3, 4, 10);
        var view = wide.Narrow(1, 0, 5); // not dense
        var before = wide.Clone();
        var sum = Library.MatMul(a, b, null, into: view);
        Assert.NotSame(view, sum);
        Close(view + a.MatMul(b), sum, "view");
        Close(before, wide, "untouched");

        var leaf = Randn(4, 4, 5).RequiresGrad_();
        var sum2 = Library.MatMul(a, b, null, into: leaf);
        Assert.NotSame(leaf, sum2);
        Close(leaf.Detach() + a.MatMul(b), sum2, "leaf");
    }
}
