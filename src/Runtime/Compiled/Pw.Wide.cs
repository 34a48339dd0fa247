using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using DeepGen.Kernels;

namespace DeepGen.Compiled;

/// <summary>
/// The Vector512 overloads of <see cref="Pw"/>, for the 16-lane loop that generated kernels run first where
/// 512-bit vectors are accelerated (AVX-512 without a clock penalty). Loads, stores, selects, comparisons,
/// relu and the float GELU pair work on all 16 lanes; every other function runs its Vector256 form on each
/// half, so a 16-lane result equals the two 8-lane results bit for bit.
/// </summary>
public static partial class Pw
{
    /// <summary>The 16 floats of <paramref name="span"/> from <paramref name="i"/> (the caller checks i + 16 &lt;= length).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> LoadWide(ReadOnlySpan<float> span, int i) => Vector512.LoadUnsafe(ref MemoryMarshal.GetReference(span), (nuint)i);

    /// <summary>The 8 doubles of <paramref name="span"/> from <paramref name="i"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<double> LoadWide(ReadOnlySpan<double> span, int i) => Vector512.LoadUnsafe(ref MemoryMarshal.GetReference(span), (nuint)i);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector512<float> value, Span<float> span, int i) => value.StoreUnsafe(ref MemoryMarshal.GetReference(span), (nuint)i);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector512<double> value, Span<double> span, int i) => value.StoreUnsafe(ref MemoryMarshal.GetReference(span), (nuint)i);

    /// <inheritdoc cref="Store{T}(Vector256{T}, Span{T}, int, bool)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store<T>(Vector512<T> value, Span<T> span, int i, bool stream) where T : unmanaged
    {
        ref T at = ref Unsafe.Add(ref MemoryMarshal.GetReference(span), i);
        if (stream) StreamingStore.Write(value, ref at);
        else value.StoreUnsafe(ref at);
    }

    // ---- on all 16 lanes, the same operations as the 8-lane forms ----

    public static Vector512<float> Relu(Vector512<float> x) => Vector512.ConditionalSelect(Vector512.LessThan(x, Vector512<float>.Zero), Vector512<float>.Zero, x);
    public static Vector512<double> Relu(Vector512<double> x) => Vector512.ConditionalSelect(Vector512.LessThan(x, Vector512<double>.Zero), Vector512<double>.Zero, x);

    public static Vector512<float> ReluBackward(Vector512<float> g, Vector512<float> y) => ReluBackwardFn.ApplyWide(g, y);
    public static Vector512<double> ReluBackward(Vector512<double> g, Vector512<double> y) => ReluBackwardFn.ApplyWide(g, y);

    // inlined into the kernel's loop: a call would pass and return the vectors through memory
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Gelu(Vector512<float> x) => GeluFn.ApplyWide(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> GeluBackward(Vector512<float> g, Vector512<float> x) => GeluBackwardFn.ApplyWide(g, x);

    public static Vector512<float> Gt(Vector512<float> a, Vector512<float> b) => Vector512.GreaterThan(a, b);
    public static Vector512<double> Gt(Vector512<double> a, Vector512<double> b) => Vector512.GreaterThan(a, b);
    public static Vector512<float> Lt(Vector512<float> a, Vector512<float> b) => Vector512.LessThan(a, b);
    public static Vector512<double> Lt(Vector512<double> a, Vector512<double> b) => Vector512.LessThan(a, b);
    public static Vector512<float> Ge(Vector512<float> a, Vector512<float> b) => Vector512.GreaterThanOrEqual(a, b);
    public static Vector512<double> Ge(Vector512<double> a, Vector512<double> b) => Vector512.GreaterThanOrEqual(a, b);
    public static Vector512<float> Le(Vector512<float> a, Vector512<float> b) => Vector512.LessThanOrEqual(a, b);
    public static Vector512<double> Le(Vector512<double> a, Vector512<double> b) => Vector512.LessThanOrEqual(a, b);
    public static Vector512<float> Eq(Vector512<float> a, Vector512<float> b) => Vector512.Equals(a, b);
    public static Vector512<double> Eq(Vector512<double> a, Vector512<double> b) => Vector512.Equals(a, b);
    public static Vector512<float> Ne(Vector512<float> a, Vector512<float> b) => ~Vector512.Equals(a, b);
    public static Vector512<double> Ne(Vector512<double> a, Vector512<double> b) => ~Vector512.Equals(a, b);

    public static Vector512<float> Where(Vector512<float> mask, Vector512<float> a, Vector512<float> b) => Vector512.ConditionalSelect(mask, a, b);
    public static Vector512<double> Where(Vector512<double> mask, Vector512<double> a, Vector512<double> b) => Vector512.ConditionalSelect(mask, a, b);

    // ---- each half by its 8-lane form ----

    public static Vector512<double> Gelu(Vector512<double> x) => Vector512.Create(Gelu(x.GetLower()), Gelu(x.GetUpper()));

    public static Vector512<float> GeluTanh(Vector512<float> x) => Vector512.Create(GeluTanh(x.GetLower()), GeluTanh(x.GetUpper()));
    public static Vector512<double> GeluTanh(Vector512<double> x) => Vector512.Create(GeluTanh(x.GetLower()), GeluTanh(x.GetUpper()));

    public static Vector512<float> Silu(Vector512<float> x) => Vector512.Create(Silu(x.GetLower()), Silu(x.GetUpper()));
    public static Vector512<double> Silu(Vector512<double> x) => Vector512.Create(Silu(x.GetLower()), Silu(x.GetUpper()));

    public static Vector512<float> Tanh(Vector512<float> x) => Vector512.Create(Tanh(x.GetLower()), Tanh(x.GetUpper()));
    public static Vector512<double> Tanh(Vector512<double> x) => Vector512.Create(Tanh(x.GetLower()), Tanh(x.GetUpper()));

    public static Vector512<float> Sigmoid(Vector512<float> x) => Vector512.Create(Sigmoid(x.GetLower()), Sigmoid(x.GetUpper()));
    public static Vector512<double> Sigmoid(Vector512<double> x) => Vector512.Create(Sigmoid(x.GetLower()), Sigmoid(x.GetUpper()));

    public static Vector512<float> Exp(Vector512<float> x) => Vector512.Create(Exp(x.GetLower()), Exp(x.GetUpper()));
    public static Vector512<double> Exp(Vector512<double> x) => Vector512.Create(Exp(x.GetLower()), Exp(x.GetUpper()));

    public static Vector512<float> Log(Vector512<float> x) => Vector512.Create(Log(x.GetLower()), Log(x.GetUpper()));
    public static Vector512<double> Log(Vector512<double> x) => Vector512.Create(Log(x.GetLower()), Log(x.GetUpper()));

    public static Vector512<float> Sqrt(Vector512<float> x) => Vector512.Create(Sqrt(x.GetLower()), Sqrt(x.GetUpper()));
    public static Vector512<double> Sqrt(Vector512<double> x) => Vector512.Create(Sqrt(x.GetLower()), Sqrt(x.GetUpper()));

    public static Vector512<float> Rsqrt(Vector512<float> x) => Vector512.Create(Rsqrt(x.GetLower()), Rsqrt(x.GetUpper()));
    public static Vector512<double> Rsqrt(Vector512<double> x) => Vector512.Create(Rsqrt(x.GetLower()), Rsqrt(x.GetUpper()));

    public static Vector512<float> Abs(Vector512<float> x) => Vector512.Create(Abs(x.GetLower()), Abs(x.GetUpper()));
    public static Vector512<double> Abs(Vector512<double> x) => Vector512.Create(Abs(x.GetLower()), Abs(x.GetUpper()));

    public static Vector512<float> Sign(Vector512<float> x) => Vector512.Create(Sign(x.GetLower()), Sign(x.GetUpper()));
    public static Vector512<double> Sign(Vector512<double> x) => Vector512.Create(Sign(x.GetLower()), Sign(x.GetUpper()));

    public static Vector512<float> Pow(Vector512<float> a, Vector512<float> b) => Vector512.Create(Pow(a.GetLower(), b.GetLower()), Pow(a.GetUpper(), b.GetUpper()));
    public static Vector512<double> Pow(Vector512<double> a, Vector512<double> b) => Vector512.Create(Pow(a.GetLower(), b.GetLower()), Pow(a.GetUpper(), b.GetUpper()));

    public static Vector512<float> Max(Vector512<float> a, Vector512<float> b) => Vector512.Create(Max(a.GetLower(), b.GetLower()), Max(a.GetUpper(), b.GetUpper()));
    public static Vector512<double> Max(Vector512<double> a, Vector512<double> b) => Vector512.Create(Max(a.GetLower(), b.GetLower()), Max(a.GetUpper(), b.GetUpper()));

    public static Vector512<float> Min(Vector512<float> a, Vector512<float> b) => Vector512.Create(Min(a.GetLower(), b.GetLower()), Min(a.GetUpper(), b.GetUpper()));
    public static Vector512<double> Min(Vector512<double> a, Vector512<double> b) => Vector512.Create(Min(a.GetLower(), b.GetLower()), Min(a.GetUpper(), b.GetUpper()));

    public static Vector512<double> GeluBackward(Vector512<double> g, Vector512<double> x) => Vector512.Create(GeluBackward(g.GetLower(), x.GetLower()), GeluBackward(g.GetUpper(), x.GetUpper()));

    public static Vector512<float> GeluTanhBackward(Vector512<float> g, Vector512<float> x) => Vector512.Create(GeluTanhBackward(g.GetLower(), x.GetLower()), GeluTanhBackward(g.GetUpper(), x.GetUpper()));
    public static Vector512<double> GeluTanhBackward(Vector512<double> g, Vector512<double> x) => Vector512.Create(GeluTanhBackward(g.GetLower(), x.GetLower()), GeluTanhBackward(g.GetUpper(), x.GetUpper()));

    public static Vector512<float> SiluBackward(Vector512<float> g, Vector512<float> x) => Vector512.Create(SiluBackward(g.GetLower(), x.GetLower()), SiluBackward(g.GetUpper(), x.GetUpper()));
    public static Vector512<double> SiluBackward(Vector512<double> g, Vector512<double> x) => Vector512.Create(SiluBackward(g.GetLower(), x.GetLower()), SiluBackward(g.GetUpper(), x.GetUpper()));

    public static Vector512<float> TanhBackward(Vector512<float> g, Vector512<float> y) => Vector512.Create(TanhBackward(g.GetLower(), y.GetLower()), TanhBackward(g.GetUpper(), y.GetUpper()));
    public static Vector512<double> TanhBackward(Vector512<double> g, Vector512<double> y) => Vector512.Create(TanhBackward(g.GetLower(), y.GetLower()), TanhBackward(g.GetUpper(), y.GetUpper()));

    public static Vector512<float> SigmoidBackward(Vector512<float> g, Vector512<float> y) => Vector512.Create(SigmoidBackward(g.GetLower(), y.GetLower()), SigmoidBackward(g.GetUpper(), y.GetUpper()));
    public static Vector512<double> SigmoidBackward(Vector512<double> g, Vector512<double> y) => Vector512.Create(SigmoidBackward(g.GetLower(), y.GetLower()), SigmoidBackward(g.GetUpper(), y.GetUpper()));
}
