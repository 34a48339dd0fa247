using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using DeepGen.Compiled;
using DeepGen.Kernels;

namespace DeepGen.Tests;

/// <summary>
/// The float erf family's vector forms (erf and erfc on eight double lanes where 512-bit vectors are fast,
/// see FloatErf; GELU and its derivative in float arithmetic, see FloatGelu's two forms) against the double formulas
/// rounded to float, over a dense sweep of float bit patterns: every 509th float
/// of each sign with |x| up to 12 (every mantissa pattern class, subnormals included, about 4.3 million
/// values) and every 4099th up to 40, where erfc and GELU's tail underflow.
/// </summary>
public class FloatErfSweepTests
{
    static float[] SweepValues()
    {
        var values = new List<float>();
        void AddRange(float limit, int stride)
        {
            for (int bits = 0; bits <= BitConverter.SingleToInt32Bits(limit); bits += stride)
            {
                float v = BitConverter.Int32BitsToSingle(bits);
                values.Add(v);
                values.Add(-v);
            }
        }
        AddRange(12f, 509);
        AddRange(40f, 4099);
        // the range boundaries of the rational approximations (FloatErf) and of the GELU tables' intervals
        // (a + 1 = 1.5, 2, 3, 4, 6, 8, 12, 15 ... 16), and their neighbours
        foreach (double edge in new[] { 0.46875, 4.0, 26.543, 0.5, 1.0, 2.0, 3.0, 5.0, 7.0, 11.0, 15.0 })
            foreach (double scale in new[] { 1.0, Math.Sqrt(2) })
            {
                float e = (float)(edge * scale);
                values.AddRange([e, -e, MathF.BitIncrement(e), MathF.BitDecrement(e), -MathF.BitIncrement(e), -MathF.BitDecrement(e)]);
            }
        // FloatGeluDirect's interval edges: v = a (a + 2) = 2 j + 1, and its end, a = 7
        for (int j = 0; j < 32; j++)
        {
            float e = (float)(Math.Sqrt(2 * j + 2) - 1);
            values.AddRange([e, -e, MathF.BitIncrement(e), MathF.BitDecrement(e), -MathF.BitIncrement(e), -MathF.BitDecrement(e)]);
        }
        while (values.Count % Vector256<float>.Count != 0) values.Add(0f);
        return values.ToArray();
    }

    static readonly float[] Inputs = SweepValues();

    static float[] Apply(Func<Vector256<float>, Vector256<float>> fn)
    {
        var result = new float[Inputs.Length];
        for (int i = 0; i < Inputs.Length; i += Vector256<float>.Count)
            fn(Vector256.Create(Inputs.AsSpan(i, Vector256<float>.Count))).CopyTo(result.AsSpan(i));
        return result;
    }

    /// <summary>Distance in units in the last place: adjacent floats are 1 apart, and -0 and +0 are equal.</summary>
    static long UlpDistance(float a, float b)
    {
        static long Ordered(float f)
        {
            int bits = BitConverter.SingleToInt32Bits(f);
            return bits < 0 ? -(long)(bits & int.MaxValue) : bits;
        }
        return Math.Abs(Ordered(a) - Ordered(b));
    }

    static void CheckWithinOneUlp(string name, Func<Vector256<float>, Vector256<float>> vector, Func<double, double> reference) =>
        CheckWithinUlps(name, vector, reference, 1);

    /// <summary>Every input within <paramref name="ulps"/>; returns how many are off by more than one.</summary>
    static int CheckWithinUlps(string name, Func<Vector256<float>, Vector256<float>> vector, Func<double, double> reference, int ulps)
    {
        var got = Apply(vector);
        int overOne = 0;
        for (int i = 0; i < Inputs.Length; i++)
        {
            float expected = (float)reference(Inputs[i]);
            long distance = UlpDistance(got[i], expected);
            if (distance > ulps)
                Assert.Fail($"{name}({Inputs[i]:R}): expected {expected:R}, got {got[i]:R}");
            if (distance > 1) overOne++;
        }
        return overOne;
    }

    /// <summary>
    /// The two float forms of GELU and its derivative, run on 8 lanes: the 16-lane one (widened; it needs AVX-512),
    /// GELU by FloatGeluDirect and the derivative by FloatGeluTable, and the 8-lane one (FloatGeluTable8, for
    /// machines without fast 512-bit vectors; it needs AVX2).
    /// </summary>
    public static TheoryData<string> Forms => ["direct", "table8"];

    /// <summary>The form's GELU and derivative, or null where this machine cannot run it.</summary>
    static (Func<Vector256<float>, Vector256<float>> Gelu, Func<Vector256<float>, Vector256<float>> Derivative)? Form(string form) =>
        form == "table8"
            ? Avx2.IsSupported ? (FloatGeluTable8.Gelu, FloatGeluTable8.GeluDerivative) : null
            : Avx512F.IsSupported ? (x => FloatGeluDirect.Gelu(x.ToVector512()).GetLower(), x => FloatGeluTable.GeluDerivative(x.ToVector512Unsafe()).GetLower())
            : null;

    static double GeluReference(double x) => 0.5 * x * ErfMath.Erfc(-x * Math.Sqrt(0.5));

    /// <summary>Both forms work in float arithmetic: within 3 ulp everywhere, more than 1 ulp off for fewer than 1 in 1000 inputs.</summary>
    [Theory]
    [MemberData(nameof(Forms))]
    public void Gelu_is_within_a_few_ulp_of_the_double_formula(string form)
    {
        if (Form(form) is not { } f)
            return; // the form's instructions are missing here
        int overOne = CheckWithinUlps($"gelu ({form})", f.Gelu, GeluReference, 3);
        Assert.True(overOne < Inputs.Length / 1000, $"{overOne} of {Inputs.Length} inputs are more than 1 ulp off");
    }

    /// <summary>Generated kernels run FloatGelu on 16 lanes where 512-bit vectors are fast, and on 8 for the rest of a block.</summary>
    [Fact]
    public void Gelu_on_sixteen_lanes_gives_the_bits_of_eight_lanes()
    {
        if (!Vector512.IsHardwareAccelerated)
            return; // the 16-lane form only runs where Vector512 is accelerated
        var specials = new[] { float.PositiveInfinity, float.NegativeInfinity, float.NaN, -0f, 0f, 15f, -15f, -40f };
        var inputs = Inputs.Concat(specials).ToArray();
        for (int i = 0; i + Vector512<float>.Count <= inputs.Length; i += Vector512<float>.Count)
        {
            var x = Vector512.Create(inputs.AsSpan(i, Vector512<float>.Count));
            var gelu = FloatGelu.Gelu(x);
            var slope = FloatGelu.GeluDerivative(x);
            foreach (var (half, offset) in new[] { (x.GetLower(), 0), (x.GetUpper(), 8) })
            {
                var eight = FloatGelu.Gelu(half);
                var eightSlope = FloatGelu.GeluDerivative(half);
                for (int lane = 0; lane < 8; lane++)
                {
                    Assert.Equal(BitConverter.SingleToInt32Bits(eight[lane]), BitConverter.SingleToInt32Bits(gelu[offset + lane]));
                    Assert.Equal(BitConverter.SingleToInt32Bits(eightSlope[lane]), BitConverter.SingleToInt32Bits(slope[offset + lane]));
                }
            }
        }
    }

    /// <summary>
    /// FloatGeluDirect takes another path for a vector with any lane beyond its table (or NaN); a lane's bits must not
    /// depend on which path its neighbours sent it down.
    /// </summary>
    [Fact]
    public void Direct_gelu_gives_a_lane_the_same_bits_whatever_its_neighbours()
    {
        if (!Avx512F.IsSupported)
            return; // the form needs AVX-512
        foreach (float x in Inputs)
        {
            var alone = FloatGeluDirect.Gelu(Vector512.Create(x));
            var besideFar = FloatGeluDirect.Gelu(Vector512.Create(x).WithElement(15, 100f));
            var besideNaN = FloatGeluDirect.Gelu(Vector512.Create(x).WithElement(0, float.NaN));
            Assert.Equal(BitConverter.SingleToInt32Bits(alone[0]), BitConverter.SingleToInt32Bits(besideFar[0]));
            Assert.Equal(BitConverter.SingleToInt32Bits(alone[15]), BitConverter.SingleToInt32Bits(besideNaN[15]));
        }
    }

    /// <summary>Generated kernels call GELU through PwGelu, its tables loaded once into registers: Pw.Gelu's bits, at every width.</summary>
    [Fact]
    public void Gelu_with_the_tables_loaded_gives_the_bits_of_Pw_Gelu()
    {
        var gelu = PwGelu.Load();
        var specials = new[] { float.PositiveInfinity, float.NegativeInfinity, float.NaN, -0f, 0f, 15f, -15f, -40f };
        var inputs = Inputs.Concat(specials).ToArray();
        for (int i = 0; i + Vector512<float>.Count <= inputs.Length; i += Vector512<float>.Count)
        {
            var x = Vector512.Create(inputs.AsSpan(i, Vector512<float>.Count));
            Assert.Equal(Pw.Gelu(x).AsInt32(), gelu.Gelu(x).AsInt32());
            Assert.Equal(Pw.Gelu(x.GetUpper()).AsInt32(), gelu.Gelu(x.GetUpper()).AsInt32());
            Assert.Equal(BitConverter.SingleToInt32Bits(Pw.Gelu(x[0])), BitConverter.SingleToInt32Bits(gelu.Gelu(x[0])));
            var wide = Vector512.Create((double)x[1], x[2], x[3], x[4], x[5], x[6], x[7], x[8]);
            Assert.Equal(Pw.Gelu(wide).AsInt64(), gelu.Gelu(wide).AsInt64());
            Assert.Equal(Pw.Gelu(wide.GetLower()).AsInt64(), gelu.Gelu(wide.GetLower()).AsInt64());
            Assert.Equal(BitConverter.DoubleToInt64Bits(Pw.Gelu(wide[0])), BitConverter.DoubleToInt64Bits(gelu.Gelu(wide[0])));
        }
    }

    [Theory]
    [MemberData(nameof(Forms))]
    public void Gelu_and_its_derivative_at_infinities_and_NaN_are_those_of_the_formulas(string form)
    {
        if (Form(form) is not { } f)
            return; // the form's instructions are missing here
        var x = Vector256.Create([float.PositiveInfinity, float.NegativeInfinity, float.NaN, -0f, 0f, 15f, -15f, -40f]);
        var gelu = f.Gelu(x);
        var slope = f.Derivative(x);
        Assert.Equal(float.PositiveInfinity, gelu[0]);
        Assert.True(float.IsNaN(gelu[1]) && float.IsNaN(gelu[2])); // -inf * 0 in 0.5 x erfc(-x / sqrt 2)
        Assert.Equal(0f, gelu[3]);
        Assert.Equal(0f, gelu[4]);
        Assert.Equal(15f, gelu[5]);
        Assert.Equal(0f, gelu[6]);
        Assert.Equal(0f, gelu[7]);
        Assert.True(float.IsNaN(slope[0]) && float.IsNaN(slope[1]) && float.IsNaN(slope[2]));
        Assert.Equal(0.5f, slope[3]);
        Assert.Equal(1f, slope[5]);
        Assert.Equal(0f, slope[6]);

        // far beyond the sweep: x itself, or 0 (the table form caps |x| inside, so nothing tiny is left over)
        var far = Vector256.Create([1e30f, -1e30f, float.MaxValue, -float.MaxValue, 20f, -20f, 1e-30f, -1e-30f]);
        var farGelu = f.Gelu(far);
        var farSlope = f.Derivative(far);
        float[] expected = [1e30f, 0f, float.MaxValue, 0f, 20f, 0f, 5e-31f, -5e-31f];
        float[] expectedSlope = [1f, 0f, 1f, 0f, 1f, 0f, 0.5f, 0.5f];
        for (int lane = 0; lane < 8; lane++)
        {
            Assert.Equal(expected[lane], farGelu[lane]);
            Assert.Equal(expectedSlope[lane], farSlope[lane]);
        }
    }

    [Fact]
    public void ErfAndErfcAreWithinOneUlpOfTheDoubleForms()
    {
        CheckWithinOneUlp("erf", VectorMath.Erf, ErfMath.Erf);
        CheckWithinOneUlp("erfc", VectorMath.Erfc, ErfMath.Erfc);
    }

    [Theory]
    [MemberData(nameof(Forms))]
    public void Gelu_derivative_is_within_the_backward_tolerance(string form)
    {
        if (Form(form) is not { } f)
            return; // the form's instructions are missing here
        var got = Apply(f.Derivative);
        double epsilon = Math.Pow(2, -23);
        for (int i = 0; i < Inputs.Length; i++)
        {
            double x = Inputs[i];
            double cdf = 0.5 * ErfMath.Erfc(-x * Math.Sqrt(0.5));
            double slope = x * Math.Exp(-0.5 * x * x) / Math.Sqrt(2 * Math.PI);
            double expected = (float)(cdf + slope);
            // ElementwiseFastPathTests' backward tolerance with g = 1: cdf + slope cancels near x = -0.75
            // plus one subnormal step: results below float's normal range have no more bits
            double tolerance = 4 * epsilon * (Math.Abs(cdf) + Math.Abs(slope)) + 2 * epsilon * Math.Abs(expected) + float.Epsilon;
            if (!(Math.Abs(got[i] - expected) <= tolerance))
                Assert.Fail($"gelu' ({form}) at {x:R}: expected {expected:R}, got {got[i]:R}");
        }
    }
}
