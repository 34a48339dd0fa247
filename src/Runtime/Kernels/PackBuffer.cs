namespace DeepGen.Kernels;

/// <summary>
/// A scratch array whose usable part starts on a 64-byte boundary (a cache line, and an AVX-512 vector), so
/// the GEMM micro-kernel's vector loads from packed panels never straddle two lines. The array lives on
/// the pinned object heap, so its address, and with it the alignment, never changes. One buffer per
/// thread and role is kept and grown as needed: packing runs on every GEMM call.
/// </summary>
internal sealed class PackBuffer<T> where T : unmanaged
{
    const int Alignment = 64;

    PackBuffer(int length)
    {
        int slack = Alignment / System.Runtime.CompilerServices.Unsafe.SizeOf<T>();
        Array = GC.AllocateUninitializedArray<T>(length + slack, pinned: true);
        unsafe
        {
            fixed (T* p = Array)
            {
                int misalignment = (int)((nuint)p % Alignment);
                Start = misalignment == 0 ? 0 : (Alignment - misalignment) / sizeof(T);
            }
        }
        Length = length;
    }

    public T[] Array { get; }

    /// <summary>The index of the first aligned element.</summary>
    public int Start { get; }

    public int Length { get; }

    /// <summary>The buffer in <paramref name="slot"/> if it holds <paramref name="length"/> elements, else a new one stored there.</summary>
    public static PackBuffer<T> Get(ref PackBuffer<T>? slot, int length)
    {
        if (slot is null || slot.Length < length) slot = new PackBuffer<T>(Math.Max(length, slot is null ? 0 : slot.Length * 3 / 2));
        return slot;
    }
}
