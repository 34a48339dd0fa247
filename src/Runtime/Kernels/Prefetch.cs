using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace DeepGen.Kernels;

/// <summary>
/// Software prefetch for the generated kernels' loops (<c>Pw.Prefetch</c>). A loop with much arithmetic per element
/// (GELU) loads too slowly for the hardware prefetcher to keep memory busy: asking for each input a page ahead
/// took the compiled gelu(x * a + b) on 16M floats from 5.0 to 3.5 ms (5 alternating rounds); cheap kernels (an
/// add, a multiply-add) neither gained nor lost. The eager elementwise loops did not gain from it (4 alternating
/// runs), so they do not ask. Cross-entropy's exp-sum pass asks for the rows after the one it sums (xent.fwd on
/// [8192, 1000] 0.97 -> 0.86 ms, 3 alternating rounds); softmax's forward and cross-entropy's backward, which also
/// write a row each, did not gain.
/// </summary>
internal static class Prefetch
{
    /// <summary>How far ahead of the element being loaded a loop asks for memory.</summary>
    public const int Bytes = 4096;

    /// <summary>
    /// Asks for the cache line <see cref="Bytes"/> after <paramref name="element"/> (x86 only). A prefetch never
    /// faults, so the address may lie past the end of the array, and a stale one (the array moved) costs nothing.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void Ahead<T>(ref T element)
    {
        if (Sse.IsSupported)
            Sse.Prefetch0(Unsafe.AsPointer(ref Unsafe.AddByteOffset(ref element, Bytes)));
    }
}
