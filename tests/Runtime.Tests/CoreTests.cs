namespace DeepGen.Tests;

public class CoreTests
{
    [Fact]
    public void ViewsShareStorageAndTransposeIsNotContiguous()
    {
        var x = Tensor.Arange(0.0, 6.0).Reshape(2, 3);
        var t = x.T;
        Assert.Same(x.Storage, t.Storage);
        Assert.False(t.IsContiguous);
        Assert.Equal(new float[] { 0, 3, 1, 4, 2, 5 }, t.ToArray<float>());
        Assert.Equal(new[] { 3, 2 }, t.ShapeArray());
    }

    [Fact]
    public void BroadcastAddAndGradients()
    {
        var a = GradCheck.Leaf(2, 3);
        var b = GradCheck.Leaf(3);
        GradCheck.Check(x => x[0] + x[1], a, b);
        GradCheck.Check(x => x[0] * x[1] - x[1] / (x[0] * x[0] + 1.0), a, b);
    }

    [Fact]
    public void SumOverDims()
    {
        var x = Tensor.Arange(0.0, 24.0).Reshape(2, 3, 4);
        Assert.Equal(new[] { 3 }, x.Sum([0, 2]).ShapeArray());
        Assert.Equal(new float[] { 60, 92, 124 }, x.Sum([0, 2]).ToArray<float>());
        Assert.Equal(new[] { 1, 3, 1 }, x.Sum([0, 2], keepdim: true).ShapeArray());
        Assert.Equal(276f, x.Sum().Item<float>());
        GradCheck.Check(t => t[0].Sum([0, 2]), GradCheck.Leaf(2, 3, 4));
        GradCheck.Check(t => t[0].Transpose(0, 2).Sum(1, keepdim: true), GradCheck.Leaf(2, 3, 4));
    }

    [Fact]
    public void ViewGradients()
    {
        var x = GradCheck.Leaf(2, 3, 4);
        GradCheck.Check(t => t[0].Permute(2, 0, 1).Reshape(4, 6), x);
        GradCheck.Check(t => t[0].Slice(2, 1, 4, 2) * 2.0, x);
        GradCheck.Check(t => t[0][1, 1.., TensorIndex.Slice(null, null, 3)], x);
        GradCheck.Check(t => t[0].Narrow(1, 1, 2).Unsqueeze(0).Squeeze(0).Flatten(), x);
        GradCheck.Check(t => t[0].Select(0, 1).Unsqueeze(0).Expand(5, 3, 4), x);
    }

    [Fact]
    public void ViewRejectsIncompatibleStrides()
    {
        var x = Tensor.Zeros(2, 3).T;
        var e = Assert.Throws<InvalidOperationException>(() => x.View(6));
        Assert.Contains("view: the shape [6] is incompatible with the input's shape [3, 2]", e.Message);
        Assert.Equal(new[] { 6 }, x.Reshape(6).ShapeArray());
    }

    [Fact]
    public void BroadcastErrorNamesOpAndShapes()
    {
        var e = Assert.Throws<ArgumentException>(() => Tensor.Zeros(2, 3) + Tensor.Zeros(4));
        Assert.Equal("add: shapes [2, 3] and [4] cannot be broadcast: dimension 1 is 3 in one and 4 in the other", e.Message);
    }

    [Fact]
    public void SecondBackwardThroughFreedGraphThrows()
    {
        var x = GradCheck.Leaf(3);
        var y = (x * x).Sum();
        y.Backward();
        var e = Assert.Throws<InvalidOperationException>(() => y.Backward());
        Assert.Contains("backward through the graph a second time", e.Message);
        Assert.Contains("retainGraph", e.Message);
    }

    [Fact]
    public void RetainGraphAllowsSecondBackwardAndAccumulates()
    {
        var x = Tensor.FromArray(new double[] { 1, 2, 3 }).RequiresGrad_();
        var y = (x * x).Sum();
        y.Backward(retainGraph: true);
        y.Backward();
        Assert.Equal(new double[] { 4, 8, 12 }, x.Grad!.ToArray<double>());
    }

    [Fact]
    public void BackwardOnTensorWithoutGradThrows()
    {
        var e = Assert.Throws<InvalidOperationException>(() => Tensor.Ones(2).Sum().Backward());
        Assert.Contains("does not require grad", e.Message);
        var v = Assert.Throws<InvalidOperationException>(() => (GradCheck.Leaf(2) * 2.0).Backward());
        Assert.Contains("only for scalar outputs, this tensor has shape [2]", v.Message);
    }

    [Fact]
    public void InPlaceOnSavedTensorIsCaughtAtBackward()
    {
        var x = GradCheck.Leaf(3);
        var h = x * 2.0;
        var y = (h * h).Sum();
        using (Torch.NoGrad()) h.Add_(1.0);
        var e = Assert.Throws<InvalidOperationException>(() => y.Backward());
        Assert.Contains("mul: one of the tensors needed for gradient computation has been modified by an in-place operation", e.Message);
        Assert.Contains("is at version 1; expected version 0", e.Message);
    }

    [Fact]
    public void InPlaceOnLeafThatRequiresGradThrows()
    {
        var w = GradCheck.Leaf(3);
        var e = Assert.Throws<InvalidOperationException>(() => w.Add_(1.0));
        Assert.Contains("add_: a leaf tensor that requires grad", e.Message);
        using (Torch.NoGrad()) w.Add_(1.0);
        Assert.Equal(1, w.Version);
    }

    [Fact]
    public void InPlaceWithAutogradRebasesHistory()
    {
        var x = GradCheck.Leaf(3);
        GradCheck.Check(t =>
        {
            var h = t[0] * 1.0;
            h.Add_(t[0] * t[0]);
            return h;
        }, x);
    }

    [Fact]
    public void NoGradRecordsNothing()
    {
        var x = GradCheck.Leaf(3);
        using (Torch.NoGrad())
            Assert.False((x * 2.0).RequiresGrad);
        Assert.True((x * 2.0).RequiresGrad);
    }

    [Fact]
    public void DetachCutsTheGraph()
    {
        var x = GradCheck.Leaf(3);
        var d = (x * 2.0).Detach();
        Assert.False(d.RequiresGrad);
        Assert.True(d.IsLeaf);
    }

    [Fact]
    public void RandomIsReproducible()
    {
        var a = Tensor.Randn([5], generator: new Generator(7)).ToArray<float>();
        var b = Tensor.Randn([5], generator: new Generator(7)).ToArray<float>();
        Assert.Equal(a, b);
        Torch.ManualSeed(3);
        var c = Tensor.Rand(4).ToArray<float>();
        Torch.ManualSeed(3);
        Assert.Equal(c, Tensor.Rand(4).ToArray<float>());
        var r = Tensor.Randint(0, 10, [1000], new Generator(1)).ToArray<long>();
        Assert.All(r, v => Assert.InRange(v, 0, 9));
    }

    [Fact]
    public void CreationFunctions()
    {
        Assert.Equal(new long[] { 0, 1, 2, 3, 4 }, Tensor.Arange(5).ToArray<long>());
        Assert.Equal(DType.Int64, Tensor.Arange(5).DType);
        Assert.Equal(new float[] { 0, 0.25f, 0.5f, 0.75f, 1 }, Tensor.Linspace(0, 1, 5).ToArray<float>());
        Assert.Equal(new double[] { 1, 0, 0, 0, 1, 0 }, Tensor.Eye(2, 3, DType.Float64).ToArray<double>());
        Assert.Equal(new float[] { 7, 7 }, Tensor.Full([2], 7).ToArray<float>());
        Assert.Equal(new float[] { 1, 2, 3, 4 }, Tensor.FromArray(new float[,] { { 1, 2 }, { 3, 4 } }).ToArray<float>());
        var e = Assert.Throws<ArgumentException>(() => Tensor.FromArray(new float[5], 2, 3));
        Assert.Equal("from_array: 5 values cannot fill a tensor of shape [2, 3] (6 elements)", e.Message);
    }

    [Fact]
    public void TypePromotion()
    {
        var i = Tensor.Arange(3);
        Assert.Equal(DType.Int64, (i + 1).DType);
        Assert.Equal(DType.Float32, (i + 0.5).DType);
        Assert.Equal(DType.Float32, (i / 2).DType);
        Assert.Equal(DType.Float64, (Tensor.Ones(2) + Tensor.Ones([2], DType.Float64)).DType);
        Assert.Equal(DType.Float32, (Tensor.Ones(2) * 2.5).DType);
    }
}

public class GradCheckSelfTest
{
    /// <summary>A gradient check that cannot fail proves nothing: feed it a deliberately wrong backward.</summary>
    [Fact]
    public void GradCheckRejectsAWrongGradient()
    {
        static Tensor DoubledGradient(Tensor x)
        {
            var result = (x * 1.0).Detach();
            var node = new Autograd.Node("wrong", x);
            node.SetBackward(g => [g * 2.0]);
            return result.WithGradFn(node);
        }
        Assert.ThrowsAny<Xunit.Sdk.XunitException>(() => GradCheck.Check(t => DoubledGradient(t[0]), GradCheck.Leaf(3)));
    }
}

public class EmptyTensorTests
{
    [Fact]
    public void EmptyTensorsAreContiguousAndConvertToEmptyArrays()
    {
        var t = Tensor.Zeros(2, 0, 3);
        Assert.True(t.IsContiguous);
        Assert.Empty(t.ToArray<float>());
        Assert.Empty(t.Transpose(0, 2).ToArray<float>());
        Assert.Equal(new[] { 0, 3 }, t.Sum(0).ShapeArray());
        Assert.Equal(new float[] { 0, 0 }, t.Sum(2).Sum(1).ToArray<float>());
    }
}

public class InPlaceAutogradTests
{
    [Fact]
    public void MulInPlaceWithAGradientToBothSides()
    {
        // the node of mul_ needs the values from before the write: it must not see the overwritten ones
        GradCheck.Check(t =>
        {
            var h = t[0] * 1.0;
            h.Mul_(t[1]);
            return h * t[0];
        }, GradCheck.Leaf(4), GradCheck.PositiveLeaf(0.5, 2, 4));
    }
}
