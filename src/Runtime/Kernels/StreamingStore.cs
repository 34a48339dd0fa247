using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DeepGen.Kernels;

/// <summary>
/// Non-temporal ("streaming") vector stores for loops whose output is too large to stay in the cache. An
/// ordinary store first reads the line it writes into the cache (a read for ownership), so a pass reading one
/// array and writing another moves three arrays' worth of memory; a streaming store writes the line without
/// reading it, so the pass moves two. Measured here (2-core Zen 5, 16M floats, both cores, alternating, in the
/// host's slow-memory phase): a hand-written loop of gelu(x * a + b) over aligned arrays 3.7 -> 2.9 ms, and the
/// STREAM triad 5.3 -> 4.1 ms.
/// The price is that the written data is not in the cache afterwards, so the driver only streams outputs far
/// larger than a core's share of it (<see cref="MinElements"/>).
/// </summary>
internal static unsafe class StreamingStore
{
    /// <summary>The alignment a 512-bit streaming store needs, in bytes (a 256-bit one needs half).</summary>
    public const int Alignment = 64;

    /// <summary>
    /// Elements of an output from which loops stream it: 16 MiB of floats, half of this machine's 32 MiB L3 and more
    /// than a core's share of most, so the output would not have stayed in the cache for the next kernel anyway.
    /// </summary>
    public const int MinElements = 1 << 22;

    /// <summary>Elements of <typeparamref name="T"/> in one <see cref="Alignment"/>-byte line.</summary>
    public static int LineElements<T>() where T : unmanaged => Alignment / sizeof(T);

    /// <summary>
    /// How many elements from <paramref name="first"/> lie before the next line boundary (0 when it is on one). The
    /// element is not pinned: a hint for where to start streaming, which <see cref="Write{T}(Vector512{T}, ref T)"/>
    /// checks again on the address it writes.
    /// </summary>
    public static int ElementsBeforeLine<T>(ref T first) where T : unmanaged
    {
        nuint address = (nuint)Unsafe.AsPointer(ref first);
        return (int)((Alignment - address % Alignment) % Alignment / (nuint)sizeof(T));
    }

    /// <summary>
    /// Writes <paramref name="value"/> at <paramref name="at"/> past the cache where the address allows (x86,
    /// aligned to the vector's size), else as an ordinary store. The element is pinned for the store, so the
    /// address checked is the address written.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Write<T>(Vector512<T> value, ref T at) where T : unmanaged
    {
        fixed (T* p = &at)
        {
            if (Avx512F.IsSupported && (nuint)p % (nuint)Vector512<byte>.Count == 0)
                Avx512F.StoreAlignedNonTemporal((byte*)p, value.AsByte());
            else
                value.Store(p);
        }
    }

    /// <inheritdoc cref="Write{T}(Vector512{T}, ref T)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Write<T>(Vector256<T> value, ref T at) where T : unmanaged
    {
        fixed (T* p = &at)
        {
            if (Avx.IsSupported && (nuint)p % (nuint)Vector256<byte>.Count == 0)
                Avx.StoreAlignedNonTemporal((byte*)p, value.AsByte());
            else
                value.Store(p);
        }
    }

    /// <summary>
    /// Orders this thread's streaming stores before its later stores (x86 sfence): streaming stores are weakly
    /// ordered, so a thread that streamed calls this before it signals that its part is done.
    /// </summary>
    public static void Fence()
    {
        if (Sse.IsSupported) Sse.StoreFence();
    }

    /// <summary>The first element of <paramref name="array"/> at an <see cref="Alignment"/>-byte boundary (a hint, see <see cref="ElementsBeforeLine{T}(ref T)"/>).</summary>
    public static int FirstAlignedElement<T>(T[] array) where T : unmanaged => ElementsBeforeLine(ref MemoryMarshal.GetArrayDataReference(array));
}
