using System.ComponentModel;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using DeepGen.Kernels;

namespace DeepGen.Compiled;

/// <summary>
/// The scalar functions of the pointwise formulas (Fusion's <c>PointwiseFormula</c> templates call
/// <c>Pw.X(...)</c>), for generated fused kernels. Every function has float, double, Vector256&lt;float&gt;
/// and Vector256&lt;double&gt; overloads (and Vector512 ones, in Pw.Wide.cs), so one template serves a
/// kernel's SIMD bodies and its scalar tail.
/// Each forwards to the eager kernels' functor (src/Runtime/Kernels), so compiled and eager results agree
/// bit for bit where both take the same (vector or scalar) path. Comparisons return bool for scalars and
/// a lane mask (all bits set where true) for vectors, which <see cref="Where(Vector256{float}, Vector256{float}, Vector256{float})"/> selects with.
/// Part of the surface for generated code.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static partial class Pw
{
    // ---- loads and stores for the generated loops ----

    /// <summary>The 8 floats of <paramref name="span"/> from <paramref name="i"/> (the caller checks i + 8 &lt;= length).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Load(ReadOnlySpan<float> span, int i) => Vector256.LoadUnsafe(ref MemoryMarshal.GetReference(span), (nuint)i);

    /// <summary>The 4 doubles of <paramref name="span"/> from <paramref name="i"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> Load(ReadOnlySpan<double> span, int i) => Vector256.LoadUnsafe(ref MemoryMarshal.GetReference(span), (nuint)i);

    /// <summary>Stores 8 floats at <paramref name="i"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector256<float> value, Span<float> span, int i) => value.StoreUnsafe(ref MemoryMarshal.GetReference(span), (nuint)i);

    /// <summary>Stores 4 doubles at <paramref name="i"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector256<double> value, Span<double> span, int i) => value.StoreUnsafe(ref MemoryMarshal.GetReference(span), (nuint)i);

    /// <summary>
    /// The elements of <paramref name="span"/> from <paramref name="i"/> to its end, fewer than a vector, in the low
    /// lanes of a vector whose other lanes are 0: a loop's last partial vector goes through the vector formula too
    /// (as PyTorch's tails do), since the scalar forms of GELU and the like cost ten times as much per element and
    /// a streamed output's rows begin and end with blocks of up to 15 elements (BlockGrid). With AVX a masked load
    /// (vmaskmovps), which reads nothing past the span; else lane by lane.
    /// </summary>
    public static unsafe Vector256<T> LoadPartial<T>(ReadOnlySpan<T> span, int i) where T : unmanaged
    {
        int count = span.Length - i;
        if (Avx.IsSupported && (typeof(T) == typeof(float) || typeof(T) == typeof(double)))
        {
            fixed (T* start = span)
            {
                return typeof(T) == typeof(float)
                    ? Avx.MaskLoad((float*)(start + i), FirstLanes<float>(count)).As<float, T>()
                    : Avx.MaskLoad((double*)(start + i), FirstLanes<double>(count)).As<double, T>();
            }
        }

        Span<T> lanes = stackalloc T[Vector256<T>.Count];
        lanes.Clear();
        span[i..].CopyTo(lanes);
        return Vector256.Create<T>(lanes);
    }

    /// <summary>
    /// Stores the low lanes of <paramref name="value"/> at <paramref name="i"/>, as many as <paramref name="span"/> has
    /// from there, by ordinary stores: with masked stores (vmaskmovps, or AVX-512's masked vmovups) into lines not in
    /// the cache, the 8192 partial stores at the row edges of a streamed gelu(x * a + b) over 16M floats took about
    /// 0.5 ms more on one thread.
    /// </summary>
    public static void StorePartial<T>(Vector256<T> value, Span<T> span, int i) where T : unmanaged
    {
        Span<T> lanes = stackalloc T[Vector256<T>.Count];
        value.CopyTo(lanes);
        lanes[..(span.Length - i)].CopyTo(span[i..]);
    }

    /// <summary>A mask of the first <paramref name="count"/> lanes (all bits set there), for the masked loads.</summary>
    static Vector256<T> FirstLanes<T>(int count) where T : unmanaged => typeof(T) == typeof(float)
        ? Vector256.LessThan(Vector256<int>.Indices, Vector256.Create(count)).As<int, T>()
        : Vector256.LessThan(Vector256<long>.Indices, Vector256.Create((long)count)).As<long, T>();

    /// <summary>
    /// Stores a vector at <paramref name="i"/>, past the cache where <paramref name="stream"/> (the block's
    /// <see cref="PointwiseBlock.Streams"/>) says the output is too large to stay in it (see <see cref="StreamingStore"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store<T>(Vector256<T> value, Span<T> span, int i, bool stream) where T : unmanaged
    {
        ref T at = ref Unsafe.Add(ref MemoryMarshal.GetReference(span), i);
        if (stream) StreamingStore.Write(value, ref at);
        else value.StoreUnsafe(ref at);
    }

    /// <summary>Asks for memory a page ahead of element <paramref name="i"/> (see <see cref="Kernels.Prefetch"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Prefetch<T>(ReadOnlySpan<T> span, int i) => Kernels.Prefetch.Ahead(ref Unsafe.Add(ref MemoryMarshal.GetReference(span), i));

    // ---- activations ----

    public static float Relu(float x) => ReluFn.Apply(x);
    public static double Relu(double x) => ReluFn.Apply(x);
    public static long Relu(long x) => ReluFn.Apply(x);
    public static Vector256<float> Relu(Vector256<float> x) => ReluFn.ApplyVector(x);
    public static Vector256<double> Relu(Vector256<double> x) => ReluFn.ApplyVector(x);

    public static float Gelu(float x) => GeluFn.Apply(x);
    public static double Gelu(double x) => GeluFn.Apply(x);
    public static Vector256<float> Gelu(Vector256<float> x) => Unary<float, GeluFn>(x);
    public static Vector256<double> Gelu(Vector256<double> x) => Unary<double, GeluFn>(x);

    public static float GeluTanh(float x) => GeluTanhFn.Apply(x);
    public static double GeluTanh(double x) => GeluTanhFn.Apply(x);
    public static Vector256<float> GeluTanh(Vector256<float> x) => Unary<float, GeluTanhFn>(x);
    public static Vector256<double> GeluTanh(Vector256<double> x) => Unary<double, GeluTanhFn>(x);

    public static float Silu(float x) => SiluFn.Apply(x);
    public static double Silu(double x) => SiluFn.Apply(x);
    public static Vector256<float> Silu(Vector256<float> x) => Unary<float, SiluFn>(x);
    public static Vector256<double> Silu(Vector256<double> x) => Unary<double, SiluFn>(x);

    public static float Tanh(float x) => TanhFn.Apply(x);
    public static double Tanh(double x) => TanhFn.Apply(x);
    public static Vector256<float> Tanh(Vector256<float> x) => Unary<float, TanhFn>(x);
    public static Vector256<double> Tanh(Vector256<double> x) => Unary<double, TanhFn>(x);

    public static float Sigmoid(float x) => SigmoidFn.Apply(x);
    public static double Sigmoid(double x) => SigmoidFn.Apply(x);
    public static Vector256<float> Sigmoid(Vector256<float> x) => Unary<float, SigmoidFn>(x);
    public static Vector256<double> Sigmoid(Vector256<double> x) => Unary<double, SigmoidFn>(x);

    // ---- elementary functions ----

    public static float Exp(float x) => ExpFn.Apply(x);
    public static double Exp(double x) => ExpFn.Apply(x);
    public static Vector256<float> Exp(Vector256<float> x) => Unary<float, ExpFn>(x);
    public static Vector256<double> Exp(Vector256<double> x) => Unary<double, ExpFn>(x);

    public static float Log(float x) => LogFn.Apply(x);
    public static double Log(double x) => LogFn.Apply(x);
    public static Vector256<float> Log(Vector256<float> x) => Unary<float, LogFn>(x);
    public static Vector256<double> Log(Vector256<double> x) => Unary<double, LogFn>(x);

    public static float Sqrt(float x) => SqrtFn.Apply(x);
    public static double Sqrt(double x) => SqrtFn.Apply(x);
    public static Vector256<float> Sqrt(Vector256<float> x) => Unary<float, SqrtFn>(x);
    public static Vector256<double> Sqrt(Vector256<double> x) => Unary<double, SqrtFn>(x);

    public static float Rsqrt(float x) => RsqrtFn.Apply(x);
    public static double Rsqrt(double x) => RsqrtFn.Apply(x);
    public static Vector256<float> Rsqrt(Vector256<float> x) => Unary<float, RsqrtFn>(x);
    public static Vector256<double> Rsqrt(Vector256<double> x) => Unary<double, RsqrtFn>(x);

    public static float Abs(float x) => AbsFn.Apply(x);
    public static double Abs(double x) => AbsFn.Apply(x);
    public static long Abs(long x) => AbsFn.Apply(x);
    public static Vector256<float> Abs(Vector256<float> x) => AbsFn.ApplyVector(x);
    public static Vector256<double> Abs(Vector256<double> x) => AbsFn.ApplyVector(x);

    public static float Sign(float x) => SignFn.Apply(x);
    public static double Sign(double x) => SignFn.Apply(x);
    public static long Sign(long x) => SignFn.Apply(x);
    public static Vector256<float> Sign(Vector256<float> x) => SignFn.ApplyVector(x);
    public static Vector256<double> Sign(Vector256<double> x) => SignFn.ApplyVector(x);

    public static float Pow(float a, float b) => PowFn.Apply(a, b);
    public static double Pow(double a, double b) => PowFn.Apply(a, b);
    public static Vector256<float> Pow(Vector256<float> a, Vector256<float> b) => Binary<float, PowFn>(a, b);
    public static Vector256<double> Pow(Vector256<double> a, Vector256<double> b) => Binary<double, PowFn>(a, b);

    public static float Max(float a, float b) => MaximumFn.Apply(a, b);
    public static double Max(double a, double b) => MaximumFn.Apply(a, b);
    public static long Max(long a, long b) => MaximumFn.Apply(a, b);
    public static Vector256<float> Max(Vector256<float> a, Vector256<float> b) => MaximumFn.ApplyVector(a, b);
    public static Vector256<double> Max(Vector256<double> a, Vector256<double> b) => MaximumFn.ApplyVector(a, b);

    public static float Min(float a, float b) => MinimumFn.Apply(a, b);
    public static double Min(double a, double b) => MinimumFn.Apply(a, b);
    public static long Min(long a, long b) => MinimumFn.Apply(a, b);
    public static Vector256<float> Min(Vector256<float> a, Vector256<float> b) => MinimumFn.ApplyVector(a, b);
    public static Vector256<double> Min(Vector256<double> a, Vector256<double> b) => MinimumFn.ApplyVector(a, b);

    // ---- comparisons (bool for scalars, lane masks for vectors) and select ----

    public static bool Gt(float a, float b) => GtFn.Apply(a, b);
    public static bool Gt(double a, double b) => GtFn.Apply(a, b);
    public static bool Gt(long a, long b) => GtFn.Apply(a, b);
    public static Vector256<float> Gt(Vector256<float> a, Vector256<float> b) => GtFn.ApplyVector(a, b);
    public static Vector256<double> Gt(Vector256<double> a, Vector256<double> b) => GtFn.ApplyVector(a, b);

    public static bool Lt(float a, float b) => LtFn.Apply(a, b);
    public static bool Lt(double a, double b) => LtFn.Apply(a, b);
    public static bool Lt(long a, long b) => LtFn.Apply(a, b);
    public static Vector256<float> Lt(Vector256<float> a, Vector256<float> b) => LtFn.ApplyVector(a, b);
    public static Vector256<double> Lt(Vector256<double> a, Vector256<double> b) => LtFn.ApplyVector(a, b);

    public static bool Ge(float a, float b) => GeFn.Apply(a, b);
    public static bool Ge(double a, double b) => GeFn.Apply(a, b);
    public static bool Ge(long a, long b) => GeFn.Apply(a, b);
    public static Vector256<float> Ge(Vector256<float> a, Vector256<float> b) => GeFn.ApplyVector(a, b);
    public static Vector256<double> Ge(Vector256<double> a, Vector256<double> b) => GeFn.ApplyVector(a, b);

    public static bool Le(float a, float b) => LeFn.Apply(a, b);
    public static bool Le(double a, double b) => LeFn.Apply(a, b);
    public static bool Le(long a, long b) => LeFn.Apply(a, b);
    public static Vector256<float> Le(Vector256<float> a, Vector256<float> b) => LeFn.ApplyVector(a, b);
    public static Vector256<double> Le(Vector256<double> a, Vector256<double> b) => LeFn.ApplyVector(a, b);

    public static bool Eq(float a, float b) => EqFn.Apply(a, b);
    public static bool Eq(double a, double b) => EqFn.Apply(a, b);
    public static bool Eq(long a, long b) => EqFn.Apply(a, b);
    public static Vector256<float> Eq(Vector256<float> a, Vector256<float> b) => EqFn.ApplyVector(a, b);
    public static Vector256<double> Eq(Vector256<double> a, Vector256<double> b) => EqFn.ApplyVector(a, b);

    public static bool Ne(float a, float b) => NeFn.Apply(a, b);
    public static bool Ne(double a, double b) => NeFn.Apply(a, b);
    public static bool Ne(long a, long b) => NeFn.Apply(a, b);
    public static Vector256<float> Ne(Vector256<float> a, Vector256<float> b) => NeFn.ApplyVector(a, b);
    public static Vector256<double> Ne(Vector256<double> a, Vector256<double> b) => NeFn.ApplyVector(a, b);

    public static float Where(bool condition, float a, float b) => condition ? a : b;
    public static double Where(bool condition, double a, double b) => condition ? a : b;
    public static long Where(bool condition, long a, long b) => condition ? a : b;
    public static bool Where(bool condition, bool a, bool b) => condition ? a : b;
    public static Vector256<float> Where(Vector256<float> mask, Vector256<float> a, Vector256<float> b) => Vector256.ConditionalSelect(mask, a, b);
    public static Vector256<double> Where(Vector256<double> mask, Vector256<double> a, Vector256<double> b) => Vector256.ConditionalSelect(mask, a, b);

    // ---- derivatives: (g, saved) -> input gradient, as the eager backward kernels ----

    public static float ReluBackward(float g, float y) => ReluBackwardFn.Apply(g, y);
    public static double ReluBackward(double g, double y) => ReluBackwardFn.Apply(g, y);
    public static Vector256<float> ReluBackward(Vector256<float> g, Vector256<float> y) => Binary<float, ReluBackwardFn>(g, y);
    public static Vector256<double> ReluBackward(Vector256<double> g, Vector256<double> y) => Binary<double, ReluBackwardFn>(g, y);

    public static float GeluBackward(float g, float x) => GeluBackwardFn.Apply(g, x);
    public static double GeluBackward(double g, double x) => GeluBackwardFn.Apply(g, x);
    public static Vector256<float> GeluBackward(Vector256<float> g, Vector256<float> x) => Binary<float, GeluBackwardFn>(g, x);
    public static Vector256<double> GeluBackward(Vector256<double> g, Vector256<double> x) => Binary<double, GeluBackwardFn>(g, x);

    public static float GeluTanhBackward(float g, float x) => GeluTanhBackwardFn.Apply(g, x);
    public static double GeluTanhBackward(double g, double x) => GeluTanhBackwardFn.Apply(g, x);
    public static Vector256<float> GeluTanhBackward(Vector256<float> g, Vector256<float> x) => Binary<float, GeluTanhBackwardFn>(g, x);
    public static Vector256<double> GeluTanhBackward(Vector256<double> g, Vector256<double> x) => Binary<double, GeluTanhBackwardFn>(g, x);

    public static float SiluBackward(float g, float x) => SiluBackwardFn.Apply(g, x);
    public static double SiluBackward(double g, double x) => SiluBackwardFn.Apply(g, x);
    public static Vector256<float> SiluBackward(Vector256<float> g, Vector256<float> x) => Binary<float, SiluBackwardFn>(g, x);
    public static Vector256<double> SiluBackward(Vector256<double> g, Vector256<double> x) => Binary<double, SiluBackwardFn>(g, x);

    public static float TanhBackward(float g, float y) => TanhBackwardFn.Apply(g, y);
    public static double TanhBackward(double g, double y) => TanhBackwardFn.Apply(g, y);
    public static Vector256<float> TanhBackward(Vector256<float> g, Vector256<float> y) => Binary<float, TanhBackwardFn>(g, y);
    public static Vector256<double> TanhBackward(Vector256<double> g, Vector256<double> y) => Binary<double, TanhBackwardFn>(g, y);

    public static float SigmoidBackward(float g, float y) => SigmoidBackwardFn.Apply(g, y);
    public static double SigmoidBackward(double g, double y) => SigmoidBackwardFn.Apply(g, y);
    public static Vector256<float> SigmoidBackward(Vector256<float> g, Vector256<float> y) => Binary<float, SigmoidBackwardFn>(g, y);
    public static Vector256<double> SigmoidBackward(Vector256<double> g, Vector256<double> y) => Binary<double, SigmoidBackwardFn>(g, y);

    // ---- the vector form of a functor, or lane by lane where it has none for T ----

    // the lane-by-lane fallbacks are methods of their own: a stackalloc would keep Unary and Binary from being inlined
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector256<T> Unary<T, TFn>(Vector256<T> x) where T : unmanaged, IFloatingPointIeee754<T> where TFn : IFloatUnary =>
        TFn.Vectorizes<T>() ? TFn.ApplyVector(x) : UnaryLanes<T, TFn>(x);

    static Vector256<T> UnaryLanes<T, TFn>(Vector256<T> x) where T : unmanaged, IFloatingPointIeee754<T> where TFn : IFloatUnary
    {
        Span<T> lanes = stackalloc T[Vector256<T>.Count];
        x.CopyTo(lanes);
        for (int i = 0; i < lanes.Length; i++) lanes[i] = TFn.Apply(lanes[i]);
        return Vector256.Create<T>(lanes);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector256<T> Binary<T, TFn>(Vector256<T> a, Vector256<T> b) where T : unmanaged, IFloatingPointIeee754<T> where TFn : IFloatBinary =>
        TFn.Vectorizes<T>() ? TFn.ApplyVector(a, b) : BinaryLanes<T, TFn>(a, b);

    static Vector256<T> BinaryLanes<T, TFn>(Vector256<T> a, Vector256<T> b) where T : unmanaged, IFloatingPointIeee754<T> where TFn : IFloatBinary
    {
        Span<T> left = stackalloc T[Vector256<T>.Count];
        Span<T> right = stackalloc T[Vector256<T>.Count];
        a.CopyTo(left);
        b.CopyTo(right);
        for (int i = 0; i < left.Length; i++) left[i] = TFn.Apply(left[i], right[i]);
        return Vector256.Create<T>(left);
    }
}
