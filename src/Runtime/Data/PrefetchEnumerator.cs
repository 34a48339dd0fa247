using System.Collections;
using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;

namespace DeepGen.Data;

/// <summary>
/// Runs a producer on its own thread that makes items 0..count-1 into a bounded queue, so the consumer
/// finds the next item ready. The producer's exception is rethrown (with its original stack) by the
/// consumer's MoveNext once the items before it are consumed; cancelling the token or disposing the
/// enumerator stops the producer, and Dispose waits until it has stopped.
/// </summary>
internal sealed class PrefetchEnumerator : IEnumerator<Tensor[]>
{
    readonly BlockingCollection<Tensor[]> queue;
    readonly CancellationTokenSource stop;
    readonly CancellationToken cancellationToken;
    readonly Task producer;
    Exception? failure;
    Tensor[]? current;
    bool disposed;

    public PrefetchEnumerator(Func<int, Tensor[]> make, int count, int capacity, CancellationToken cancellationToken)
    {
        this.cancellationToken = cancellationToken;
        queue = new BlockingCollection<Tensor[]>(new ConcurrentQueue<Tensor[]>(), capacity);
        stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var token = stop.Token;
        // a dedicated thread: the producer spends its idle time blocked on a full queue
        producer = Task.Factory.StartNew(() => Produce(make, count, token), CancellationToken.None,
            TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    void Produce(Func<int, Tensor[]> make, int count, CancellationToken token)
    {
        try
        {
            for (int i = 0; i < count; i++)
            {
                token.ThrowIfCancellationRequested();
                queue.Add(make(i), token);
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // stopped by the consumer: nothing to report
        }
        catch (Exception e)
        {
            Volatile.Write(ref failure, e);
        }
        finally
        {
            queue.CompleteAdding();
        }
    }

    public Tensor[] Current => current ?? throw new InvalidOperationException("DataLoader: Current before MoveNext or after the end");

    object IEnumerator.Current => Current;

    public bool MoveNext()
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        // throws OperationCanceledException when the caller's token is cancelled while waiting
        if (queue.TryTake(out var item, Timeout.Infinite, cancellationToken))
        {
            current = item;
            return true;
        }
        current = null;
        if (Volatile.Read(ref failure) is { } e) ExceptionDispatchInfo.Capture(e).Throw();
        cancellationToken.ThrowIfCancellationRequested();
        return false;
    }

    public void Reset() => throw new NotSupportedException("DataLoader: an epoch cannot be restarted; enumerate the loader again");

    public void Dispose()
    {
        if (disposed) return;
        disposed = true;
        stop.Cancel();
        producer.Wait();
        queue.Dispose();
        stop.Dispose();
    }
}
