using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace DeepGen.Kernels;

/// <summary>
/// Max and average pooling with kernel 2, stride 2 and no padding over one contiguous plane, where output
/// (oh, ow) reads input rows 2oh and 2oh + 1, columns 2ow and 2ow + 1. Float32 planes go four outputs at a
/// time: a row's eight inputs are split into the even and the odd columns, and the maximum is taken by
/// compare-and-select over the four taps in window order, without branches (random data would mispredict
/// half of them). When a row's output count is not a multiple of four, its last four outputs are computed
/// again, overlapping, instead of a scalar tail; only rows shorter than four outputs go element by element.
/// Float64 planes take the scalar loops.
/// </summary>
internal static class Pool2x2
{
    const int Lanes = 4;

    /// <summary>
    /// Max of each window and the flat index of its winner: the first maximum in the order (top left, top
    /// right, bottom left, bottom right), except that a NaN wins over everything, the last NaN over earlier ones.
    /// </summary>
    public static void MaxPlane<T>(ReadOnlySpan<T> src, int width, int outH, int outW, Span<T> dst, Span<int> idx)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        bool vector = typeof(T) == typeof(float) && Vector128.IsHardwareAccelerated && outW >= Lanes;
        for (int oh = 0; oh < outH; oh++)
        {
            int top = 2 * oh * width;
            var r0 = src.Slice(top, 2 * outW);
            var r1 = src.Slice(top + width, 2 * outW);
            var d = dst.Slice(oh * outW, outW);
            var ix = idx.Slice(oh * outW, outW);
            if (vector)
            {
                MaxRow(MemoryMarshal.Cast<T, float>(r0), MemoryMarshal.Cast<T, float>(r1), top, width, MemoryMarshal.Cast<T, float>(d), ix);
                continue;
            }
            for (int ow = 0; ow < outW; ow++)
            {
                int at = top + 2 * ow;
                T best = r0[2 * ow];
                int arg = at;
                T v = r0[2 * ow + 1];
                if (v > best || T.IsNaN(v)) (best, arg) = (v, at + 1);
                v = r1[2 * ow];
                if (v > best || T.IsNaN(v)) (best, arg) = (v, at + width);
                v = r1[2 * ow + 1];
                if (v > best || T.IsNaN(v)) (best, arg) = (v, at + width + 1);
                d[ow] = best;
                ix[ow] = arg;
            }
        }
    }

    static void MaxRow(ReadOnlySpan<float> r0, ReadOnlySpan<float> r1, int top, int width, Span<float> dst, Span<int> idx)
    {
        int outW = dst.Length;
        var steps = Vector128.Create(0, 2, 4, 6);
        for (int ow = 0; ; ow += Lanes)
        {
            ow = Math.Min(ow, outW - Lanes);
            Split(r0, 2 * ow, out var a, out var b);
            Split(r1, 2 * ow, out var c, out var d);
            var at = Vector128.Create(top + 2 * ow) + steps;
            var best = a;
            var arg = at;
            Take(ref best, ref arg, b, at + Vector128.Create(1));
            Take(ref best, ref arg, c, at + Vector128.Create(width));
            Take(ref best, ref arg, d, at + Vector128.Create(width + 1));
            best.StoreUnsafe(ref MemoryMarshal.GetReference(dst), (nuint)ow);
            arg.StoreUnsafe(ref MemoryMarshal.GetReference(idx), (nuint)ow);
            if (ow + Lanes >= outW) break;
        }
    }

    /// <summary>Where v is greater than the best so far or NaN, v and its index replace them.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Take(ref Vector128<float> best, ref Vector128<int> arg, Vector128<float> v, Vector128<int> at)
    {
        var take = Vector128.GreaterThan(v, best) | ~Vector128.Equals(v, v);
        best = Vector128.ConditionalSelect(take, v, best);
        arg = Vector128.ConditionalSelect(take.AsInt32(), at, arg);
    }

    /// <summary>The eight values row[i..i+8] as their even and odd columns.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Split(ReadOnlySpan<float> row, int i, out Vector128<float> evens, out Vector128<float> odds)
    {
        ref float start = ref Unsafe.Add(ref MemoryMarshal.GetReference(row), i);
        var lo = Vector128.LoadUnsafe(ref start);
        var hi = Vector128.LoadUnsafe(ref start, 4);
        if (Sse.IsSupported)
        {
            evens = Sse.Shuffle(lo, hi, 0b10_00_10_00);
            odds = Sse.Shuffle(lo, hi, 0b11_01_11_01);
        }
        else if (AdvSimd.Arm64.IsSupported)
        {
            evens = AdvSimd.Arm64.UnzipEven(lo, hi);
            odds = AdvSimd.Arm64.UnzipOdd(lo, hi);
        }
        else
        {
            evens = Vector128.Create(lo[0], lo[2], hi[0], hi[2]);
            odds = Vector128.Create(lo[1], lo[3], hi[1], hi[3]);
        }
    }

    /// <summary>Each window's sum, added in window order, divided by <paramref name="divisor"/>.</summary>
    public static void AvgPlane<T>(ReadOnlySpan<T> src, int width, int outH, int outW, T divisor, Span<T> dst)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        bool vector = typeof(T) == typeof(float) && Vector128.IsHardwareAccelerated && outW >= Lanes;
        for (int oh = 0; oh < outH; oh++)
        {
            int top = 2 * oh * width;
            var r0 = src.Slice(top, 2 * outW);
            var r1 = src.Slice(top + width, 2 * outW);
            var d = dst.Slice(oh * outW, outW);
            if (vector)
            {
                AvgRow(MemoryMarshal.Cast<T, float>(r0), MemoryMarshal.Cast<T, float>(r1), float.CreateTruncating(divisor), MemoryMarshal.Cast<T, float>(d));
                continue;
            }
            for (int ow = 0; ow < outW; ow++)
                d[ow] = (r0[2 * ow] + r0[2 * ow + 1] + r1[2 * ow] + r1[2 * ow + 1]) / divisor;
        }
    }

    static void AvgRow(ReadOnlySpan<float> r0, ReadOnlySpan<float> r1, float divisor, Span<float> dst)
    {
        int outW = dst.Length;
        var div = Vector128.Create(divisor);
        for (int ow = 0; ; ow += Lanes)
        {
            ow = Math.Min(ow, outW - Lanes);
            Split(r0, 2 * ow, out var a, out var b);
            Split(r1, 2 * ow, out var c, out var d);
            (((a + b) + c + d) / div).StoreUnsafe(ref MemoryMarshal.GetReference(dst), (nuint)ow);
            if (ow + Lanes >= outW) break;
        }
    }

    /// <summary>
    /// Average pooling's gradient: each window's four inputs get its output gradient / divisor. The windows do
    /// not overlap, so every input is written once (those outside all windows keep their zero).
    /// </summary>
    public static void AvgBackwardPlane<T>(ReadOnlySpan<T> gradOutput, int width, int outH, int outW, T divisor, Span<T> gradInput)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int oh = 0; oh < outH; oh++)
        {
            var gy = gradOutput.Slice(oh * outW, outW);
            var r0 = gradInput.Slice(2 * oh * width, 2 * outW);
            var r1 = gradInput.Slice((2 * oh + 1) * width, 2 * outW);
            for (int ow = 0; ow < outW; ow++)
            {
                T share = gy[ow] / divisor;
                r0[2 * ow] = share;
                r0[2 * ow + 1] = share;
                r1[2 * ow] = share;
                r1[2 * ow + 1] = share;
            }
        }
    }
}
