using DeepGen.Data;

namespace DeepGen.Tests.Data;

public class DataLoaderTests
{
    /// <summary>n items: features [n, 2] with row i = (2i, 2i+1), and int64 labels i, so a batch shows its indices.</summary>
    static TensorDataset Numbered(int n) =>
        new(Tensor.Arange(0.0, 2.0 * n).Reshape(n, 2), Tensor.Arange(n));

    static List<long[]> Epoch(IEnumerable<Tensor[]> loader) => [.. loader.Select(b => b[1].ToArray<long>())];

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    public void BatchesInOrderWithASmallerLastBatch(int prefetch)
    {
        var loader = new DataLoader(Numbered(10), batchSize: 3, prefetch: prefetch);
        Assert.Equal(4, loader.Count);
        var batches = loader.ToList();
        Assert.Equal(4, batches.Count);
        Assert.Equal(new[] { 3, 3, 3, 1 }, batches.Select(b => b[0].Size(0)));
        Assert.Equal(new[] { 3, 2 }, batches[0][0].ShapeArray());
        Assert.Equal(new float[] { 12, 13, 14, 15, 16, 17 }, batches[2][0].ToArray<float>());
        Assert.Equal(new long[] { 9 }, batches[3][1].ToArray<long>());
        Assert.Equal(Enumerable.Range(0, 10).Select(i => (long)i), batches.SelectMany(b => b[1].ToArray<long>()));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    public void DropLastDropsTheIncompleteBatch(int prefetch)
    {
        var loader = new DataLoader(Numbered(10), batchSize: 3, dropLast: true, prefetch: prefetch);
        Assert.Equal(3, loader.Count);
        Assert.Equal(new[] { 3, 3, 3 }, loader.Select(b => b[1].Size(0)));

        var exact = new DataLoader(Numbered(9), batchSize: 3, dropLast: true, prefetch: prefetch);
        Assert.Equal(3, exact.Count);
        Assert.Equal(3, exact.Count());
        Assert.Equal(3, new DataLoader(Numbered(9), batchSize: 3, prefetch: prefetch).Count);

        var tooFew = new DataLoader(Numbered(2), batchSize: 3, dropLast: true, prefetch: prefetch);
        Assert.Equal(0, tooFew.Count);
        Assert.Empty(tooFew);
        Assert.Single(new DataLoader(Numbered(2), batchSize: 3, prefetch: prefetch));
    }

    [Fact]
    public void EmptyDatasetHasNoBatches()
    {
        var loader = new DataLoader(new TensorDataset(Tensor.Zeros(0, 3)), batchSize: 4);
        Assert.Equal(0, loader.Count);
        Assert.Empty(loader);
    }

    [Fact]
    public void ShuffleIsSeededAndVariesByEpoch()
    {
        var ds = Numbered(23);
        var a = new DataLoader(ds, batchSize: 5, shuffle: true, generator: new Generator(42));
        var b = new DataLoader(ds, batchSize: 5, shuffle: true, generator: new Generator(42));
        var a1 = Epoch(a);
        var a2 = Epoch(a);
        // the same seed gives the same sequence of epochs
        Assert.Equal(a1, Epoch(b));
        Assert.Equal(a2, Epoch(b));
        // a new permutation each epoch
        Assert.NotEqual(a1.SelectMany(x => x), a2.SelectMany(x => x));
        // every index exactly once per epoch, in batches of 5, 5, 5, 5, 3
        foreach (var epoch in new[] { a1, a2 })
        {
            Assert.Equal(new[] { 5, 5, 5, 5, 3 }, epoch.Select(x => x.Length));
            Assert.Equal(Enumerable.Range(0, 23).Select(i => (long)i), epoch.SelectMany(x => x).Order());
        }
        Assert.NotEqual(Enumerable.Range(0, 23).Select(i => (long)i), a1.SelectMany(x => x));
        // a different seed, a different order
        Assert.NotEqual(a1, Epoch(new DataLoader(ds, batchSize: 5, shuffle: true, generator: new Generator(43))));
    }

    [Fact]
    public void ShuffledFeaturesStayWithTheirLabels()
    {
        var loader = new DataLoader(Numbered(17), batchSize: 4, shuffle: true, generator: new Generator(7));
        foreach (var batch in loader)
        {
            var labels = batch[1].ToArray<long>();
            var features = batch[0].ToArray<float>();
            for (int i = 0; i < labels.Length; i++)
            {
                Assert.Equal(2f * labels[i], features[2 * i]);
                Assert.Equal(2f * labels[i] + 1, features[2 * i + 1]);
            }
        }
    }

    [Fact]
    public void PrefetchDeliversTheSameBatchesAsNoPrefetch()
    {
        var ds = Numbered(101);
        static Tensor[] Scale(Tensor[] batch) => [batch[0] * 0.5, batch[1]];
        var eager = new DataLoader(ds, batchSize: 8, shuffle: true, generator: new Generator(3), prefetch: 0, transform: Scale);
        var prefetched = new DataLoader(ds, batchSize: 8, shuffle: true, generator: new Generator(3), prefetch: 3, transform: Scale);
        for (int epoch = 0; epoch < 3; epoch++)
        {
            var x = eager.ToList();
            var y = prefetched.ToList();
            Assert.Equal(x.Count, y.Count);
            for (int i = 0; i < x.Count; i++)
            {
                Assert.Equal(x[i][0].ToArray<float>(), y[i][0].ToArray<float>());
                Assert.Equal(x[i][1].ToArray<long>(), y[i][1].ToArray<long>());
            }
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    public void AnExceptionInBatchAssemblySurfacesInTheConsumer(int prefetch)
    {
        var loader = new DataLoader(Numbered(20), batchSize: 4, prefetch: prefetch,
            transform: batch => batch[1].ToArray<long>()[0] == 8 ? throw new InvalidOperationException("bad batch starting at 8") : batch);
        var seen = new List<long>();
        using var e = loader.GetEnumerator();
        Assert.True(e.MoveNext());
        seen.Add(e.Current[1].ToArray<long>()[0]);
        Assert.True(e.MoveNext());
        seen.Add(e.Current[1].ToArray<long>()[0]);
        var ex = Assert.Throws<InvalidOperationException>(() => e.MoveNext());
        Assert.Equal("bad batch starting at 8", ex.Message);
        Assert.Equal(new long[] { 0, 4 }, seen);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    public void CancellationStopsTheEpoch(int prefetch)
    {
        using var cts = new CancellationTokenSource();
        var loader = new DataLoader(Numbered(40), batchSize: 4, prefetch: prefetch);
        using var e = loader.WithCancellation(cts.Token).GetEnumerator();
        Assert.True(e.MoveNext());
        cts.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() =>
        {
            // already-prefetched batches may still come; the epoch must end in a cancellation
            while (e.MoveNext()) { }
        });
    }

    [Fact]
    public void PrefetchRunsAheadByAtMostPrefetchBatchesAndStopsOnDispose()
    {
        int made = 0;
        var loader = new DataLoader(Numbered(400), batchSize: 4, prefetch: 2,
            transform: batch => { Interlocked.Increment(ref made); return batch; });
        var e = loader.GetEnumerator();
        // without any MoveNext, the producer fills the queue (2) and assembles one more batch that waits for room
        Assert.True(SpinWait.SpinUntil(() => Volatile.Read(ref made) >= 3, TimeSpan.FromSeconds(30)));
        Thread.Sleep(100);
        Assert.Equal(3, Volatile.Read(ref made));

        Assert.True(e.MoveNext());
        Assert.Equal(0, e.Current[1].ToArray<long>()[0]);
        e.Dispose();
        int afterDispose = Volatile.Read(ref made);
        Assert.InRange(afterDispose, 3, 4);
        Thread.Sleep(100);
        Assert.Equal(afterDispose, Volatile.Read(ref made));
        Assert.Throws<ObjectDisposedException>(() => e.MoveNext());
    }

    [Fact]
    public void ChecksArguments()
    {
        var ds = Numbered(3);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new DataLoader(ds, batchSize: 0));
        Assert.StartsWith("DataLoader: batch_size should be a positive integer value, but got batch_size=0", e.Message);
        e = Assert.Throws<ArgumentOutOfRangeException>(() => new DataLoader(ds, batchSize: 1, prefetch: -1));
        Assert.StartsWith("DataLoader: prefetch should be zero (no background loading) or a positive number of batches, but got prefetch=-1", e.Message);
    }
}
