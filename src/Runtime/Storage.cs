namespace DeepGen;

/// <summary>
/// The flat buffer behind one or more tensors. Views share a storage, and so share its version counter:
/// every in-place write bumps it, which is how autograd notices a saved tensor that was modified.
/// </summary>
public abstract class Storage
{
    private protected Storage(DType dtype, Device device)
    {
        DType = dtype;
        Device = device;
    }

    public DType DType { get; }
    public Device Device { get; }
    public abstract int Length { get; }

    /// <summary>Bumped by every in-place write to this storage (PyTorch's version counter).</summary>
    public int Version { get; internal set; }

    internal static Storage Allocate(DType dtype, int length) => dtype switch
    {
        DType.Float32 => new Storage<float>(new float[length]),
        DType.Float64 => new Storage<double>(new double[length]),
        DType.Int64 => new Storage<long>(new long[length]),
        DType.Bool => new Storage<bool>(new bool[length]),
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "unknown dtype"),
    };
}

/// <summary>A CPU storage backed by a managed array.</summary>
public sealed class Storage<T> : Storage where T : unmanaged
{
    internal Storage(T[] data) : base(DTypeOf<T>.Value, Device.Cpu) => Data = data;

    public T[] Data { get; }
    public override int Length => Data.Length;
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
