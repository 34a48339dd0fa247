using DeepGen.Data;

namespace DeepGen.Tests.Data;

public class TensorDatasetTests
{
    [Fact]
    public void IndexesAlongTheFirstDimension()
    {
        var x = Tensor.Arange(0.0, 12.0).Reshape(4, 3);
        var y = Tensor.FromArray(new long[] { 10, 11, 12, 13 });
        var ds = new TensorDataset(x, y);
        Assert.Equal(4, ds.Count);
        var item = ds[2];
        Assert.Equal(new float[] { 6, 7, 8 }, item[0].ToArray<float>());
        Assert.Equal(12L, item[1].Item<long>());
        Assert.Equal(13L, ds[-0 + 3][1].Item<long>());
    }

    [Fact]
    public void GatherCopiesRowsOfEveryDtypeIntoNewContiguousTensors()
    {
        var f = Tensor.Arange(0.0, 24.0).Reshape(6, 2, 2);
        var d = Tensor.Arange(0.0, 6.0, dtype: DType.Float64);
        var l = Tensor.Arange(100, 106);
        var b = Tensor.FromArray(new[] { true, false, false, true, true, false });
        var ds = new TensorDataset(f, d, l, b);

        int[] indices = [4, 5, 0, 2, 3, 3];
        var batch = ds.Gather(indices);
        Assert.Equal(new[] { 6, 2, 2 }, batch[0].ShapeArray());
        Assert.True(batch[0].IsContiguous);
        Assert.Equal(indices.SelectMany(i => Enumerable.Range(4 * i, 4).Select(v => (float)v)).ToArray(), batch[0].ToArray<float>());
        Assert.Equal(indices.Select(i => (double)i).ToArray(), batch[1].ToArray<double>());
        Assert.Equal(indices.Select(i => 100L + i).ToArray(), batch[2].ToArray<long>());
        Assert.Equal(new[] { true, false, true, false, true, true }, batch[3].ToArray<bool>());

        // the batch is a copy
        batch[2].Fill_(0);
        Assert.Equal(104L, ds[4][2].Item<long>());
        Assert.Empty(ds.Gather([])[0].ToArray<float>());
    }

    [Fact]
    public void NonContiguousInputsAreGatheredInLogicalOrder()
    {
        var x = Tensor.Arange(0.0, 12.0).Reshape(3, 4).T; // [4, 3], strided
        var ds = new TensorDataset(x);
        var batch = ds.Gather([3, 1]);
        Assert.Equal(new float[] { 3, 7, 11, 1, 5, 9 }, batch[0].ToArray<float>());
    }

    [Fact]
    public void ChecksShapesAndIndices()
    {
        var e = Assert.Throws<ArgumentException>(() => new TensorDataset(Tensor.Zeros(3, 2), Tensor.Zeros(4)));
        Assert.Equal("TensorDataset: size mismatch between tensors: tensor 0 has shape [3, 2] and tensor 1 has shape [4]; their first dimensions must agree", e.Message);
        e = Assert.Throws<ArgumentException>(() => new TensorDataset(Tensor.Scalar(1)));
        Assert.Equal("TensorDataset: tensor 0 is 0-dimensional (shape []); items are indexed along dimension 0", e.Message);
        e = Assert.Throws<ArgumentException>(() => new TensorDataset());
        Assert.Equal("TensorDataset: at least one tensor is required", e.Message);

        var ds = new TensorDataset(Tensor.Zeros(3, 2));
        var i = Assert.Throws<IndexOutOfRangeException>(() => ds.Gather([0, 3]));
        Assert.Equal("TensorDataset: index 3 is out of range for a dataset of 3 items", i.Message);
        i = Assert.Throws<IndexOutOfRangeException>(() => ds[-1]);
        Assert.Equal("TensorDataset: index -1 is out of range for a dataset of 3 items", i.Message);
    }
}
