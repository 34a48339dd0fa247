using System.Runtime.Intrinsics;
using DeepGen.Compiled;

namespace DeepGen.Tests.Compiled;

/// <summary>
/// Pw's 16-lane overloads (Pw.Wide.cs), which generated kernels run first where 512-bit vectors are
/// accelerated, give the bits of the 8-lane overloads on each half, so a kernel's result does not depend on
/// which loop handled an element. Inputs include NaN, infinities, signed zeros and values far in the tails.
/// </summary>
public class PwWideTests
{
    static readonly float[] Values =
    [
        float.NaN, float.PositiveInfinity, float.NegativeInfinity, 0f, -0f, 1e-30f, -1e-30f, 0.5f, -0.5f, 0.75f, -0.75f, 1f, -1f,
        2.5f, -2.5f, 7f, -7f, 14.9f, -14.9f, 15f, -15f, 40f, -40f, 1e30f, -1e30f, 3.1f, -0.001f, 0.001f, 88f, -88f, 100f, -100f,
    ];

    static IEnumerable<(Vector512<float> A, Vector512<float> B)> Pairs()
    {
        var rng = new Random(5);
        for (int round = 0; round < 64; round++)
        {
            var a = new float[16];
            var b = new float[16];
            for (int i = 0; i < 16; i++)
            {
                a[i] = round < 32 ? Values[(round + i) % Values.Length] : (float)(rng.NextDouble() * 20 - 10);
                b[i] = round < 32 ? Values[(3 * round + 5 * i + 1) % Values.Length] : (float)(rng.NextDouble() * 20 - 10);
            }

            yield return (Vector512.Create(a), Vector512.Create(b));
        }
    }

    static void SameBits(Vector512<float> wide, Vector256<float> lower, Vector256<float> upper, string name)
    {
        for (int i = 0; i < 16; i++)
        {
            float expected = i < 8 ? lower[i] : upper[i - 8];
            Assert.True(BitConverter.SingleToInt32Bits(expected) == BitConverter.SingleToInt32Bits(wide[i]),
                $"{name} lane {i}: 8 lanes give {expected:R}, 16 lanes give {wide[i]:R}");
        }
    }

    static void Unary(string name, Func<Vector512<float>, Vector512<float>> wide, Func<Vector256<float>, Vector256<float>> narrow)
    {
        foreach (var (a, _) in Pairs())
            SameBits(wide(a), narrow(a.GetLower()), narrow(a.GetUpper()), name);
    }

    static void Binary(string name, Func<Vector512<float>, Vector512<float>, Vector512<float>> wide, Func<Vector256<float>, Vector256<float>, Vector256<float>> narrow)
    {
        foreach (var (a, b) in Pairs())
            SameBits(wide(a, b), narrow(a.GetLower(), b.GetLower()), narrow(a.GetUpper(), b.GetUpper()), name);
    }

    [Fact]
    public void The_functions_written_for_sixteen_lanes_give_the_bits_of_eight()
    {
        Unary("relu", Pw.Relu, Pw.Relu);
        Unary("gelu", Pw.Gelu, Pw.Gelu);
        Binary("relu_backward", Pw.ReluBackward, Pw.ReluBackward);
        Binary("gelu_backward", Pw.GeluBackward, Pw.GeluBackward);
        Binary("gt", Pw.Gt, Pw.Gt);
        Binary("lt", Pw.Lt, Pw.Lt);
        Binary("ge", Pw.Ge, Pw.Ge);
        Binary("le", Pw.Le, Pw.Le);
        Binary("eq", Pw.Eq, Pw.Eq);
        Binary("ne", Pw.Ne, Pw.Ne);
        foreach (var (a, b) in Pairs())
        {
            var mask = Pw.Gt(a, b);
            SameBits(Pw.Where(mask, a, b), Pw.Where(mask.GetLower(), a.GetLower(), b.GetLower()), Pw.Where(mask.GetUpper(), a.GetUpper(), b.GetUpper()), "where");
        }
    }

    [Fact]
    public void The_functions_run_half_by_half_give_the_bits_of_eight_lanes()
    {
        Unary("gelu_tanh", Pw.GeluTanh, Pw.GeluTanh);
        Unary("silu", Pw.Silu, Pw.Silu);
        Unary("tanh", Pw.Tanh, Pw.Tanh);
        Unary("sigmoid", Pw.Sigmoid, Pw.Sigmoid);
        Unary("exp", Pw.Exp, Pw.Exp);
        Unary("log", Pw.Log, Pw.Log);
        Unary("sqrt", Pw.Sqrt, Pw.Sqrt);
        Unary("rsqrt", Pw.Rsqrt, Pw.Rsqrt);
        Unary("abs", Pw.Abs, Pw.Abs);
        Unary("sign", Pw.Sign, Pw.Sign);
        Binary("pow", Pw.Pow, Pw.Pow);
        Binary("max", Pw.Max, Pw.Max);
        Binary("min", Pw.Min, Pw.Min);
        Binary("gelu_tanh_backward", Pw.GeluTanhBackward, Pw.GeluTanhBackward);
        Binary("silu_backward", Pw.SiluBackward, Pw.SiluBackward);
        Binary("tanh_backward", Pw.TanhBackward, Pw.TanhBackward);
        Binary("sigmoid_backward", Pw.SigmoidBackward, Pw.SigmoidBackward);
    }

    [Fact]
    public void Wide_loads_and_stores_move_sixteen_floats_at_the_index()
    {
        var source = Enumerable.Range(0, 40).Select(i => (float)i).ToArray();
        var target = new float[40];
        Pw.Store(Pw.LoadWide(source, 20), target, 3);
        Assert.Equal(source.AsSpan(20, 16).ToArray(), target.AsSpan(3, 16).ToArray());
        Assert.Equal(0f, target[2]);
        Assert.Equal(0f, target[19]);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    [InlineData(7)]
    public void Partial_loads_fill_the_missing_lanes_with_zero_and_partial_stores_write_only_the_span(int count)
    {
        var source = Enumerable.Range(1, 10 + count).Select(i => (float)i).ToArray();
        var loaded = Pw.LoadPartial<float>(source, 10);
        for (int lane = 0; lane < Vector256<float>.Count; lane++) Assert.Equal(lane < count ? source[10 + lane] : 0f, loaded[lane]);

        var target = Enumerable.Repeat(-1.0, 4 + count + 4).ToArray();
        Pw.StorePartial(Vector256.Create(1.0, 2.0, 3.0, 4.0), target.AsSpan(0, 4 + Math.Min(count, 4)), 4);
        Assert.Equal(Enumerable.Repeat(-1.0, 4), target[..4]);
        Assert.Equal(new[] { 1.0, 2.0, 3.0, 4.0 }[..Math.Min(count, 4)], target[4..(4 + Math.Min(count, 4))]);
        Assert.All(target[(4 + Math.Min(count, 4))..], value => Assert.Equal(-1.0, value));
    }
}
