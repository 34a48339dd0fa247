using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace DeepGen.Kernels;

/// <summary>
/// Vectorised loops over float32 or float64 rows that accumulate (and compute) in double, for the
/// per-channel statistics of batch norm and the bias gradient of convolution: float32 values are widened
/// to double lanes, so long sums do not drift. Each generic entry dispatches on T once; the JIT keeps only
/// the matching branch.
/// </summary>
internal static class WideSums
{
    /// <summary>The sum of <paramref name="x"/>.</summary>
    public static double Sum<T>(ReadOnlySpan<T> x) where T : unmanaged =>
        typeof(T) == typeof(float) ? SumOf(MemoryMarshal.Cast<T, float>(x)) : SumOf(MemoryMarshal.Cast<T, double>(x));

    /// <summary>sum((x - mean)^2) and sum(x - mean): the second corrects the first for the rounding of mean.</summary>
    public static (double Squares, double Deviations) Deviations<T>(ReadOnlySpan<T> x, double mean) where T : unmanaged =>
        typeof(T) == typeof(float) ? DeviationsOf(MemoryMarshal.Cast<T, float>(x), mean) : DeviationsOf(MemoryMarshal.Cast<T, double>(x), mean);

    /// <summary>sum(g) and sum(g * (x - mean)).</summary>
    public static (double SumG, double SumGD) GradientSums<T>(ReadOnlySpan<T> g, ReadOnlySpan<T> x, double mean) where T : unmanaged =>
        typeof(T) == typeof(float)
            ? GradientSumsOf(MemoryMarshal.Cast<T, float>(g), MemoryMarshal.Cast<T, float>(x), mean)
            : GradientSumsOf(MemoryMarshal.Cast<T, double>(g), MemoryMarshal.Cast<T, double>(x), mean);

    /// <summary>y = x * scale + shift, computed in double.</summary>
    public static void Affine<T>(ReadOnlySpan<T> x, Span<T> y, double scale, double shift) where T : unmanaged
    {
        if (typeof(T) == typeof(float)) AffineOf(MemoryMarshal.Cast<T, float>(x), MemoryMarshal.Cast<T, float>(y), scale, shift);
        else AffineOf(MemoryMarshal.Cast<T, double>(x), MemoryMarshal.Cast<T, double>(y), scale, shift);
    }

    /// <summary>y = g * a + (x - mean) * b + c, computed in double (batch norm's input gradient).</summary>
    public static void TwoTerm<T>(ReadOnlySpan<T> g, ReadOnlySpan<T> x, Span<T> y, double a, double mean, double b, double c) where T : unmanaged
    {
        if (typeof(T) == typeof(float))
            TwoTermOf(MemoryMarshal.Cast<T, float>(g), MemoryMarshal.Cast<T, float>(x), MemoryMarshal.Cast<T, float>(y), a, mean, b, c);
        else
            TwoTermOf(MemoryMarshal.Cast<T, double>(g), MemoryMarshal.Cast<T, double>(x), MemoryMarshal.Cast<T, double>(y), a, mean, b, c);
    }

    // without hardware vectors the Vector<T> operations still work, element by element
    static int FloatLanes => Vector<float>.Count;
    static int DoubleLanes => Vector<double>.Count;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Load(ReadOnlySpan<float> x, int i, out Vector<double> lo, out Vector<double> hi) =>
        Vector.Widen(Vector.LoadUnsafe(ref MemoryMarshal.GetReference(x), (nuint)i), out lo, out hi);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector<double> Load(ReadOnlySpan<double> x, int i) => Vector.LoadUnsafe(ref MemoryMarshal.GetReference(x), (nuint)i);

    static double SumOf(ReadOnlySpan<float> x)
    {
        int i = 0, lanes = FloatLanes;
        var acc0 = Vector<double>.Zero;
        var acc1 = Vector<double>.Zero;
        for (; i <= x.Length - lanes; i += lanes)
        {
            Load(x, i, out var lo, out var hi);
            acc0 += lo;
            acc1 += hi;
        }
        double sum = Vector.Sum(acc0 + acc1);
        for (; i < x.Length; i++) sum += x[i];
        return sum;
    }

    static double SumOf(ReadOnlySpan<double> x)
    {
        int i = 0, lanes = DoubleLanes;
        var acc0 = Vector<double>.Zero;
        var acc1 = Vector<double>.Zero;
        for (; i <= x.Length - 2 * lanes; i += 2 * lanes)
        {
            acc0 += Load(x, i);
            acc1 += Load(x, i + lanes);
        }
        double sum = Vector.Sum(acc0 + acc1);
        for (; i < x.Length; i++) sum += x[i];
        return sum;
    }

    static (double, double) DeviationsOf(ReadOnlySpan<float> x, double mean)
    {
        int i = 0, lanes = FloatLanes;
        var m = new Vector<double>(mean);
        Vector<double> squares = default, deviations = default;
        for (; i <= x.Length - lanes; i += lanes)
        {
            Load(x, i, out var lo, out var hi);
            lo -= m;
            hi -= m;
            squares += lo * lo + hi * hi;
            deviations += lo + hi;
        }
        double sq = Vector.Sum(squares), dev = Vector.Sum(deviations);
        for (; i < x.Length; i++)
        {
            double d = x[i] - mean;
            sq += d * d;
            dev += d;
        }
        return (sq, dev);
    }

    static (double, double) DeviationsOf(ReadOnlySpan<double> x, double mean)
    {
        int i = 0, lanes = DoubleLanes;
        var m = new Vector<double>(mean);
        Vector<double> squares = default, deviations = default;
        for (; i <= x.Length - lanes; i += lanes)
        {
            var d = Load(x, i) - m;
            squares += d * d;
            deviations += d;
        }
        double sq = Vector.Sum(squares), dev = Vector.Sum(deviations);
        for (; i < x.Length; i++)
        {
            double d = x[i] - mean;
            sq += d * d;
            dev += d;
        }
        return (sq, dev);
    }

    static (double, double) GradientSumsOf(ReadOnlySpan<float> g, ReadOnlySpan<float> x, double mean)
    {
        int i = 0, lanes = FloatLanes;
        var m = new Vector<double>(mean);
        Vector<double> sumG = default, sumGD = default;
        for (; i <= x.Length - lanes; i += lanes)
        {
            Load(g, i, out var glo, out var ghi);
            Load(x, i, out var xlo, out var xhi);
            sumG += glo + ghi;
            sumGD += glo * (xlo - m) + ghi * (xhi - m);
        }
        double sg = Vector.Sum(sumG), sgd = Vector.Sum(sumGD);
        for (; i < x.Length; i++)
        {
            sg += g[i];
            sgd += g[i] * (x[i] - mean);
        }
        return (sg, sgd);
    }

    static (double, double) GradientSumsOf(ReadOnlySpan<double> g, ReadOnlySpan<double> x, double mean)
    {
        int i = 0, lanes = DoubleLanes;
        var m = new Vector<double>(mean);
        Vector<double> sumG = default, sumGD = default;
        for (; i <= x.Length - lanes; i += lanes)
        {
            var gv = Load(g, i);
            sumG += gv;
            sumGD += gv * (Load(x, i) - m);
        }
        double sg = Vector.Sum(sumG), sgd = Vector.Sum(sumGD);
        for (; i < x.Length; i++)
        {
            sg += g[i];
            sgd += g[i] * (x[i] - mean);
        }
        return (sg, sgd);
    }

    static void AffineOf(ReadOnlySpan<float> x, Span<float> y, double scale, double shift)
    {
        int i = 0, lanes = FloatLanes;
        var s = new Vector<double>(scale);
        var t = new Vector<double>(shift);
        ref float target = ref MemoryMarshal.GetReference(y);
        for (; i <= x.Length - lanes; i += lanes)
        {
            Load(x, i, out var lo, out var hi);
            Vector.Narrow(lo * s + t, hi * s + t).StoreUnsafe(ref target, (nuint)i);
        }
        for (; i < x.Length; i++) y[i] = (float)(x[i] * scale + shift);
    }

    static void AffineOf(ReadOnlySpan<double> x, Span<double> y, double scale, double shift)
    {
        int i = 0, lanes = DoubleLanes;
        var s = new Vector<double>(scale);
        var t = new Vector<double>(shift);
        ref double target = ref MemoryMarshal.GetReference(y);
        for (; i <= x.Length - lanes; i += lanes) (Load(x, i) * s + t).StoreUnsafe(ref target, (nuint)i);
        for (; i < x.Length; i++) y[i] = x[i] * scale + shift;
    }

    static void TwoTermOf(ReadOnlySpan<float> g, ReadOnlySpan<float> x, Span<float> y, double a, double mean, double b, double c)
    {
        int i = 0, lanes = FloatLanes;
        Vector<double> va = new(a), vm = new(mean), vb = new(b), vc = new(c);
        ref float target = ref MemoryMarshal.GetReference(y);
        for (; i <= x.Length - lanes; i += lanes)
        {
            Load(g, i, out var glo, out var ghi);
            Load(x, i, out var xlo, out var xhi);
            Vector.Narrow(glo * va + (xlo - vm) * vb + vc, ghi * va + (xhi - vm) * vb + vc).StoreUnsafe(ref target, (nuint)i);
        }
        for (; i < x.Length; i++) y[i] = (float)(g[i] * a + (x[i] - mean) * b + c);
    }

    static void TwoTermOf(ReadOnlySpan<double> g, ReadOnlySpan<double> x, Span<double> y, double a, double mean, double b, double c)
    {
        int i = 0, lanes = DoubleLanes;
        Vector<double> va = new(a), vm = new(mean), vb = new(b), vc = new(c);
        ref double target = ref MemoryMarshal.GetReference(y);
        for (; i <= x.Length - lanes; i += lanes)
            (Load(g, i) * va + (Load(x, i) - vm) * vb + vc).StoreUnsafe(ref target, (nuint)i);
        for (; i < x.Length; i++) y[i] = g[i] * a + (x[i] - mean) * b + c;
    }
}
