namespace DeepGen;

/// <summary>
/// The flat buffer behind one or more tensors. Views share a storage, and so share its version counter:
/// every in-place write bumps it, which is how autograd notices a saved tensor that was modified.
/// </summary>
public abstract class Storage
{
    static long allocated;

    private protected Storage(DType dtype, Device device)
    {
        DType = dtype;
        Device = device;
        Serial = Interlocked.Increment(ref allocated);
    }

    /// <summary>Increases with every storage made, so "made after that moment" is one comparison (see the autograd engine).</summary>
    internal long Serial { get; }

    /// <summary>The serial the next storage will have at the earliest.</summary>
    internal static long NextSerial => Volatile.Read(ref allocated) + 1;

    public DType DType { get; }
    public Device Device { get; }
    public abstract int Length { get; }

    /// <summary>Bumped by every in-place write to this storage (PyTorch's version counter).</summary>
    public int Version { get; internal set; }

    /// <summary>How many tensors were ever made over this storage: above one, a view may still read it.</summary>
    internal int TensorCount;

    /// <summary>
    /// The tensors over this storage not disposed yet, plus the autograd saves holding it: once it falls to 0
    /// through a Dispose, nothing can read the buffer any more (tensors never disposed keep it above 0).
    /// </summary>
    internal int Holders;

    /// <summary>
    /// A zeroed storage, or with <paramref name="uninitialized"/> one whose contents are garbage: only for
    /// kernels that overwrite every element, where zeroing a big buffer first would cost a whole extra pass.
    /// </summary>
    internal static Storage Allocate(DType dtype, int length, bool uninitialized = false) => dtype switch
    {
        DType.Float32 => new Storage<float>(NewArray<float>(length, uninitialized)),
        DType.Float64 => new Storage<double>(NewArray<double>(length, uninitialized)),
        DType.Int64 => new Storage<long>(NewArray<long>(length, uninitialized)),
        DType.Bool => new Storage<bool>(NewArray<bool>(length, uninitialized)),
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "unknown dtype"),
    };

    static T[] NewArray<T>(int length, bool uninitialized) where T : unmanaged
    {
        if (StoragePool.TryRent<T>(length) is { } recycled)
        {
            if (!uninitialized) Array.Clear(recycled);
            return recycled;
        }

        return uninitialized ? GC.AllocateUninitializedArray<T>(length) : new T[length];
    }
}

/// <summary>A CPU storage backed by a managed array.</summary>
public sealed class Storage<T> : Storage where T : unmanaged
{
    T[]? data;
    readonly int length;

    internal Storage(T[] data) : base(DTypeOf<T>.Value, Device.Cpu)
    {
        this.data = data;
        length = data.Length;
    }

    /// <summary>The elements; throws once the array went back to the pool (see <see cref="StoragePool"/>).</summary>
    public T[] Data => data ?? throw new InvalidOperationException(
        $"a {DType.Name()} storage of {length} elements was read after its memory went back to DeepGen's storage pool: a tensor over it was read after " +
        "it was disposed (by Dispose() or its DisposeScope; keep it with MoveToOuterDisposeScope() or DetachFromDisposeScope()), or the compiled path recycled a buffer still in use (a bug)");

    public override int Length => length;

    /// <summary>Hands the array over (to the pool): every later read of this storage throws.</summary>
    internal T[]? TakeArray()
    {
        var taken = data;
        data = null;
        return taken;
    }
}

/// <summary>Maps a CLR element type to its <see cref="DType"/> without reflection.</summary>
internal static class DTypeOf<T>
{
    public static readonly DType Value =
        typeof(T) == typeof(float) ? DType.Float32
        : typeof(T) == typeof(double) ? DType.Float64
        : typeof(T) == typeof(long) ? DType.Int64
        : typeof(T) == typeof(bool) ? DType.Bool
        : throw new NotSupportedException($"element type {typeof(T).Name} has no DeepGen dtype (use float, double, long or bool)");
}
