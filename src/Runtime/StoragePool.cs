using System.Runtime.CompilerServices;

namespace DeepGen;

/// <summary>
/// DeepGen's caching allocator for big CPU buffers. The garbage collector gives the memory of dead arrays of
/// a megabyte or more back to the OS, so each new one is page-faulted and zeroed by the kernel again; a
/// training step allocating tens of megabytes spends a sixth of its time there. Buffers whose death is
/// certain go back here and new storages of the same type and length take them, with no page fault.
/// <para>
/// Only code that proves a buffer dead recycles it: today the compiled path, for the saved activations its
/// forward made as new buffers (the generator lists them) once the backward has run without keeping the
/// graph. <see cref="Recycle"/> checks again that the tensor was the only one ever made over its storage
/// (so no view reads it) and owns the whole buffer; after recycling, a read through the old storage throws.
/// </para>
/// </summary>
internal static class StoragePool
{
    /// <summary>Smaller buffers come from the collector's young generation, whose memory is reused anyway.</summary>
    internal const int MinBytes = 64 * 1024;

    /// <summary>
    /// At most this many bytes wait in the pool. A buffer that would go beyond it empties the pool first (its
    /// buffers are left to the collector), so sizes a program stopped using do not stay pooled forever.
    /// </summary>
    internal const long MaxBytes = 512L << 20;

    static readonly Dictionary<(Type Element, int Length), Stack<Array>> free = [];
    static long bytes;

    /// <summary>A recycled array of exactly <paramref name="length"/> elements (contents garbage), or null.</summary>
    internal static T[]? TryRent<T>(int length) where T : unmanaged
    {
        long size = (long)length * Unsafe.SizeOf<T>();
        if (size < MinBytes) return null;
        lock (free)
        {
            if (!free.TryGetValue((typeof(T), length), out var stack) || stack.Count == 0) return null;
            bytes -= size;
            return (T[])stack.Pop();
        }
    }

    /// <summary>
    /// Takes <paramref name="tensor"/>'s buffer into the pool when the tensor is the only one ever made over
    /// its storage, covers the whole of it and has no autograd history; returns whether it did.
    /// </summary>
    internal static bool Recycle(Tensor tensor) =>
        Volatile.Read(ref tensor.Storage.TensorCount) == 1 && tensor.OwnsWholeBufferOutsideAutograd && RecycleReleased(tensor.Storage);

    /// <summary>Takes the buffer of a storage that nothing holds any more (every tensor over it disposed, no autograd save); returns whether it did.</summary>
    internal static bool RecycleReleased(Storage storage) => storage switch
    {
        Storage<float> s => Take(s),
        Storage<double> s => Take(s),
        Storage<long> s => Take(s),
        _ => false,
    };

    static bool Take<T>(Storage<T> storage) where T : unmanaged
    {
        long size = (long)storage.Length * Unsafe.SizeOf<T>();
        if (size < MinBytes || size > MaxBytes) return false;
        lock (free)
        {
            if (bytes + size > MaxBytes)
            {
                free.Clear();
                bytes = 0;
            }

            var array = storage.TakeArray();
            if (array is null) return false;
            if (!free.TryGetValue((typeof(T), array.Length), out var stack)) free[(typeof(T), array.Length)] = stack = new Stack<Array>();
            stack.Push(array);
            bytes += size;
            return true;
        }
    }
}
