using System.Collections;

namespace DeepGen.Data;

/// <summary>
/// Iterates a <see cref="TensorDataset"/> in batches, as PyTorch's <c>DataLoader</c>: each batch is one new
/// contiguous tensor per dataset tensor, of shape [batchSize, ...] (the last one smaller unless
/// <see cref="DropLast"/>). Every enumeration is one epoch; with <see cref="Shuffle"/> each epoch draws a
/// fresh permutation from the generator, so a seeded generator gives the same sequence of epochs every run.
/// With <see cref="Prefetch"/> &gt; 0 a background task assembles up to that many batches ahead of the
/// consumer; its exceptions surface in the consumer's MoveNext, and disposing the enumerator stops it.
/// </summary>
public sealed class DataLoader : IEnumerable<Tensor[]>
{
    readonly Generator? generator;
    readonly Func<Tensor[], Tensor[]>? transform;

    /// <param name="transform">
    /// Applied to each assembled batch, on the prefetch task when there is one (augmentation, normalisation).
    /// </param>
    public DataLoader(TensorDataset dataset, int batchSize, bool shuffle = false, bool dropLast = false,
        Generator? generator = null, int prefetch = 2, Func<Tensor[], Tensor[]>? transform = null)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        if (batchSize <= 0)
            throw new ArgumentOutOfRangeException(nameof(batchSize), $"DataLoader: batch_size should be a positive integer value, but got batch_size={batchSize}");
        if (prefetch < 0)
            throw new ArgumentOutOfRangeException(nameof(prefetch), $"DataLoader: prefetch should be zero (no background loading) or a positive number of batches, but got prefetch={prefetch}");
        Dataset = dataset;
        BatchSize = batchSize;
        Shuffle = shuffle;
        DropLast = dropLast;
        Prefetch = prefetch;
        this.generator = generator;
        this.transform = transform;
    }

    public TensorDataset Dataset { get; }
    public int BatchSize { get; }
    public bool Shuffle { get; }
    public bool DropLast { get; }
    public int Prefetch { get; }

    /// <summary>Number of batches per epoch (PyTorch's <c>len(loader)</c>).</summary>
    public int Count => DropLast ? Dataset.Count / BatchSize : (Dataset.Count + BatchSize - 1) / BatchSize;

    public IEnumerator<Tensor[]> GetEnumerator() => GetEnumerator(CancellationToken.None);

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>One epoch that stops with an <see cref="OperationCanceledException"/> once the token is cancelled.</summary>
    public IEnumerable<Tensor[]> WithCancellation(CancellationToken cancellationToken) => new Epochs(this, cancellationToken);

    /// <summary>
    /// Starts an epoch. The order is drawn here, on the caller's thread, so the generator is used in the same
    /// sequence however far the prefetch task runs ahead.
    /// </summary>
    public IEnumerator<Tensor[]> GetEnumerator(CancellationToken cancellationToken)
    {
        int[] order = EpochOrder();
        int count = Count;
        Tensor[] MakeBatch(int b)
        {
            int start = b * BatchSize;
            var batch = Dataset.Gather(order.AsSpan(start, Math.Min(BatchSize, order.Length - start)));
            return transform is null ? batch : transform(batch);
        }
        if (Prefetch == 0 || count == 0) return Synchronous(MakeBatch, count, cancellationToken);
        return new PrefetchEnumerator(MakeBatch, count, Prefetch, cancellationToken);
    }

    int[] EpochOrder()
    {
        int n = Dataset.Count;
        var order = new int[n];
        for (int i = 0; i < n; i++) order[i] = i;
        if (!Shuffle) return order;
        var g = generator ?? Generator.Default;
        // Fisher-Yates: every permutation equally likely
        for (int i = n - 1; i > 0; i--)
        {
            int j = (int)g.NextInt64(0, i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }
        return order;
    }

    static IEnumerator<Tensor[]> Synchronous(Func<int, Tensor[]> makeBatch, int count, CancellationToken cancellationToken)
    {
        for (int b = 0; b < count; b++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return makeBatch(b);
        }
    }

    sealed class Epochs(DataLoader loader, CancellationToken cancellationToken) : IEnumerable<Tensor[]>
    {
        public IEnumerator<Tensor[]> GetEnumerator() => loader.GetEnumerator(cancellationToken);

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
