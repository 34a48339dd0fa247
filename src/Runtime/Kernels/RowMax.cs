using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace DeepGen.Kernels;

/// <summary>
/// The maximum of a float row, for the row kernels' softmax (softmax, cross-entropy, attention): -inf for an empty
/// row, NaN if the row holds one (Vector512.Max, Vector256.Max and MathF.Max all pass NaN on). Four running maxima,
/// as one waits on vmaxps's latency for every vector, and the row's last elements through one overlapping vector.
/// </summary>
internal static class RowMax
{
    static int W => Vector512<float>.Count;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float Of(ref float x, int n)
    {
        float max = float.NegativeInfinity;
        if (n < W)
        {
            for (int i = 0; i < n; i++) max = MathF.Max(max, Unsafe.Add(ref x, i));
            return max;
        }

        var m0 = Vector512.Create(float.NegativeInfinity);
        var (m1, m2, m3) = (m0, m0, m0);
        int j = 0;
        for (; j + 4 * W <= n; j += 4 * W)
        {
            m0 = Vector512.Max(m0, Vector512.LoadUnsafe(ref x, (nuint)j));
            m1 = Vector512.Max(m1, Vector512.LoadUnsafe(ref x, (nuint)(j + W)));
            m2 = Vector512.Max(m2, Vector512.LoadUnsafe(ref x, (nuint)(j + 2 * W)));
            m3 = Vector512.Max(m3, Vector512.LoadUnsafe(ref x, (nuint)(j + 3 * W)));
        }

        for (; j + W <= n; j += W) m0 = Vector512.Max(m0, Vector512.LoadUnsafe(ref x, (nuint)j));
        // the last W elements again, some seen already: a maximum does not mind
        if (j < n) m1 = Vector512.Max(m1, Vector512.LoadUnsafe(ref x, (nuint)(n - W)));
        var m = Vector512.Max(Vector512.Max(m0, m1), Vector512.Max(m2, m3));
        var half = Vector256.Max(m.GetLower(), m.GetUpper());
        var quarter = Vector128.Max(half.GetLower(), half.GetUpper());
        return MathF.Max(MathF.Max(quarter[0], quarter[1]), MathF.Max(quarter[2], quarter[3]));
    }
}
