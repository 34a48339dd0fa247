using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DeepGen.Kernels;

/// <summary>
/// GELU, x Phi(x) = max(x, 0) - a Phi(-a) with a = |x|, on 16 float lanes with AVX-512, for |x| below 7 without an
/// exp: Phi(-a) itself is a degree-6 polynomial in d = a - center on 32 intervals (relative error at most
/// 1.1e-8), whose coefficients one two-register permute (vpermt2ps) per coefficient picks per lane. The interval is
/// the nearest integer to v / 2 with v = a (a + 2), so intervals are narrow like 1 / a far out, where Phi(-a)
/// falls off like exp(-a^2/2). About 10 multiply-adds and 8 permutes per 16 lanes where <see cref="FloatGeluTable"/>'s
/// exp-based form took 19 and 8 single-register ones (4.4 -> 3.7 ns per 16 cached lanes on the 2-core Zen 5 guest;
/// 3.0 with the tables in registers, see <see cref="Tables"/>), and more accurate: more than 1 ulp off for 1 in 6000
/// inputs of FloatErfSweepTests' sweep against 1 in 1200. A vector with any lane at or beyond 7 (or NaN or an
/// infinity) also runs a formula for those lanes (<see cref="WithFarLanes"/>) and takes them from it, so each
/// lane's bits do not depend on its neighbours. That path is inlined too, and uses no tables: a call in a fused
/// loop, or table getters the JIT left as calls once a kernel's inlining budget ran out, made it keep the loop's
/// vectors in memory (gelu(x * a + b) 10-60 % slower).
/// The fits were made with mpmath's chebyfit (tools/float-gelu-fit.py prints them).
/// </summary>
internal static class FloatGeluDirect
{
    /// <summary>v = a (a + 2) below this has intervals 0-31 (the nearest integer to v / 2 is at most 31); a &lt; 7.</summary>
    internal const float Limit = 63f;
    // 1.5 * 2^23: v / 2 plus this is a float whose low mantissa bits are the nearest integer to v / 2
    const float RoundingShift = 12582912f;
    // a Phi(-a) e^(a^2/2) for a in [7, 15] as a polynomial in 1/a, highest power first
    const float FarF5 = -1.91092277f, FarF4 = 1.48598886f, FarF3 = -0.0246052165f, FarF2 = -0.397751451f, FarF1 = -3.00608899e-05f, FarF0 = 0.39894259f;

    static Vector512<float> CenterLow => Vector512.Create(
        0.207106784f, 0.707106769f, 1.22474492f, 1.63895845f, 1.99535239f, 2.31318974f, 2.60287952f, 2.87082863f,
        3.12132025f, 3.35738826f, 3.58127594f, 3.79469752f, 3.9989996f, 4.195261f, 4.38436413f, 4.56703997f);
    static Vector512<float> CenterHigh => Vector512.Create(
        4.74390316f, 4.91547585f, 5.0822072f, 5.24448442f, 5.40264797f, 5.55699492f, 5.7077899f, 5.85526657f,
        5.9996357f, 6.14108515f, 6.27978611f, 6.41589212f, 6.54954386f, 6.68087006f, 6.80998707f, 6.93700409f);

    static Vector512<float> P6Low => Vector512.Create(
        0.00162177207f, 0.00308085722f, 0.000725538644f, -0.00108951924f, -0.00134785101f, -0.000871384866f,
        -0.000335185148f, 1.16963365e-05f, 0.000164652665f, 0.000194250839f, 0.000166671045f, 0.000123035614f,
        8.27757685e-05f, 5.21894399e-05f, 3.13361561e-05f, 1.81037885e-05f);
    static Vector512<float> P6High => Vector512.Create(
        1.01353835e-05f, 5.52711572e-06f, 2.94736196e-06f, 1.54156055e-06f, 7.92726439e-07f, 4.01580422e-07f,
        2.00727527e-07f, 9.91321727e-08f, 4.84272782e-08f, 2.3423901e-08f, 1.12275895e-08f, 5.33694111e-09f,
        2.51741983e-09f, 1.17901988e-09f, 5.48542101e-10f, 2.53637444e-10f);

    static Vector512<float> P5Low => Vector512.Create(
        -0.00885467418f, -0.000682390877f, 0.00581624033f, 0.00509936828f, 0.00229279022f, 0.000119366079f,
        -0.000919019512f, -0.00115492602f, -0.00100420264f, -0.00074041303f, -0.000494345033f, -0.000308271294f,
        -0.000182729185f, -0.00010410908f, -5.74476508e-05f, -3.08696144e-05f);
    static Vector512<float> P5High => Vector512.Create(
        -1.62195847e-05f, -8.35924311e-06f, -4.23636766e-06f, -2.11541146e-06f, -1.04251853e-06f, -5.07759637e-07f,
        -2.44690824e-07f, -1.16786239e-07f, -5.52516539e-08f, -2.59297472e-08f, -1.20788703e-08f, -5.58824276e-09f,
        -2.5689777e-09f, -1.17401022e-09f, -5.33560862e-10f, -2.41238612e-10f);

    static Vector512<float> P4Low => Vector512.Create(
        -0.00996395946f, -0.0228829626f, -0.0144250747f, -0.00223195087f, 0.00444645341f, 0.00622604648f,
        0.00551950559f, 0.00405997038f, 0.00268090121f, 0.00164671615f, 0.000959540252f, 0.000536919222f,
        0.000290875672f, 0.000153453933f, 7.91736675e-05f, 4.00807439e-05f);
    static Vector512<float> P4High => Vector512.Create(
        1.99597234e-05f, 9.79774723e-06f, 4.74868148e-06f, 2.27559485e-06f, 1.07941787e-06f, 5.07320635e-07f,
        2.36447036e-07f, 1.09359888e-07f, 5.0225534e-08f, 2.29177957e-08f, 1.0394654e-08f, 4.68838834e-09f,
        2.10367213e-09f, 9.39333611e-10f, 4.17527152e-10f, 1.8479443e-10f);

    static Vector512<float> P3Low => Vector512.Create(
        0.0622864738f, 0.025892878f, -0.0157020837f, -0.0292658061f, -0.0270787142f, -0.0199257061f, -0.0129760755f,
        -0.00781529676f, -0.00445466302f, -0.0024362409f, -0.00128987769f, -0.000665259897f, -0.000335735473f,
        -0.000166353027f, -8.1137332e-05f, -3.90355708e-05f);
    static Vector512<float> P3High => Vector512.Create(
        -1.85553527e-05f, -8.72641976e-06f, -4.06489107e-06f, -1.87724595e-06f, -8.60199748e-07f, -3.91367848e-07f,
        -1.76903185e-07f, -7.94838826e-08f, -3.55149723e-08f, -1.57873679e-08f, -6.98436464e-09f, -3.07612291e-09f,
        -1.34916078e-09f, -5.89409799e-10f, -2.56548033e-10f, -1.11277071e-10f);

    static Vector512<float> P2Low => Vector512.Create(
        0.0404352583f, 0.109847799f, 0.115399741f, 0.0853395611f, 0.0543679409f, 0.0317811556f, 0.0175454915f,
        0.00929467566f, 0.0047712368f, 0.00238883309f, 0.00117189263f, 0.000565191673f, 0.000268666336f,
        0.000126124942f, 5.85654561e-05f, 2.69332904e-05f);
    static Vector512<float> P2High => Vector512.Create(
        1.22800566e-05f, 5.55590896e-06f, 2.49616483e-06f, 1.11437464e-06f, 4.94608628e-07f, 2.1835919e-07f,
        9.5926211e-08f, 4.19487378e-08f, 1.82664248e-08f, 7.92259058e-09f, 3.42348572e-09f, 1.47421009e-09f,
        6.32745634e-10f, 2.70743344e-10f, 1.15510761e-10f, 4.91458575e-11f);

    static Vector512<float> P1Low => Vector512.Create(
        -0.390477419f, -0.310696572f, -0.188446984f, -0.104138769f, -0.0544945747f, -0.0274782106f, -0.0134816002f,
        -0.00647525676f, -0.00305719161f, -0.00142303051f, -0.000654455333f, -0.000297884981f, -0.000134366768f,
        -6.01273387e-05f, -2.67155992e-05f, -1.17946383e-05f);
    static Vector512<float> P1High => Vector512.Create(
        -5.17719536e-06f, -2.26057841e-06f, -9.82315328e-07f, -4.24970153e-07f, -1.83098606e-07f, -7.8588954e-08f,
        -3.3612384e-08f, -1.43285499e-08f, -6.08917849e-09f, -2.5801925e-09f, -1.09031928e-09f, -4.59549565e-10f,
        -1.93218233e-10f, -8.10503331e-11f, -3.39239331e-11f, -1.41691893e-11f);

    static Vector512<float> P0Low => Vector512.Create(
        0.417963237f, 0.239750057f, 0.11033567f, 0.0506109558f, 0.0230022296f, 0.0103561049f, 0.00462222146f,
        0.00204698695f, 0.000900210638f, 0.000393412687f, 0.000170960149f, 7.39117822e-05f, 3.18053935e-05f,
        1.36278777e-05f, 5.81625318e-06f, 2.47329854e-06f);
    static Vector512<float> P0High => Vector512.Create(
        1.04819549e-06f, 4.42835358e-07f, 1.86537065e-07f, 7.83599745e-08f, 3.28321228e-08f, 1.37229375e-08f,
        5.72262904e-09f, 2.38122744e-09f, 9.88803484e-10f, 4.09798168e-10f, 1.69519565e-10f, 7.00002833e-11f,
        2.88565456e-11f, 1.18763888e-11f, 4.88037605e-12f, 2.00251122e-12f);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Gelu(Vector512<float> x) =>
        Gelu(x, CenterLow, CenterHigh, P6Low, P6High, P5Low, P5High, P4Low, P4High, P3Low, P3High, P2Low, P2High, P1Low, P1High, P0Low, P0High);

    /// <summary>GELU with the tables as values: <see cref="Tables.Load"/> gives them to a loop that keeps them in registers.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Gelu(Vector512<float> x, in Tables t) =>
        Gelu(x, t.CenterLow, t.CenterHigh, t.P6Low, t.P6High, t.P5Low, t.P5High, t.P4Low, t.P4High, t.P3Low, t.P3High, t.P2Low, t.P2High,
            t.P1Low, t.P1High, t.P0Low, t.P0High);

    // the tables as separate arguments: the constants stay constants (a struct of them was built on the stack per call)
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector512<float> Gelu(Vector512<float> x, Vector512<float> centerLow, Vector512<float> centerHigh,
        Vector512<float> p6Low, Vector512<float> p6High, Vector512<float> p5Low, Vector512<float> p5High, Vector512<float> p4Low,
        Vector512<float> p4High, Vector512<float> p3Low, Vector512<float> p3High, Vector512<float> p2Low, Vector512<float> p2High,
        Vector512<float> p1Low, Vector512<float> p1High, Vector512<float> p0Low, Vector512<float> p0High)
    {
        var a = Vector512.Abs(x);
        var v = a * (a + Vector512.Create(2f));
        var position = Avx512F.FusedMultiplyAdd(v, Vector512.Create(0.5f), Vector512.Create(RoundingShift)).AsInt32();
        var d = a - At(centerLow, centerHigh, position);
        var p = At(p6Low, p6High, position);
        p = Avx512F.FusedMultiplyAdd(p, d, At(p5Low, p5High, position));
        p = Avx512F.FusedMultiplyAdd(p, d, At(p4Low, p4High, position));
        p = Avx512F.FusedMultiplyAdd(p, d, At(p3Low, p3High, position));
        p = Avx512F.FusedMultiplyAdd(p, d, At(p2Low, p2High, position));
        p = Avx512F.FusedMultiplyAdd(p, d, At(p1Low, p1High, position));
        p = Avx512F.FusedMultiplyAdd(p, d, At(p0Low, p0High, position));
        var result = Avx512F.Max(x, Vector512<float>.Zero) - a * p;
        return Vector512.LessThanAll(v, Vector512.Create(Limit)) ? result : WithFarLanes(x, v, result);
    }

    /// <summary>
    /// The lanes at or beyond the table's end (NaN and infinities included) by a formula with no tables, so that the
    /// kernels that inline it stay small: a Phi(-a) = F(1/a) exp(-a^2/2), F a degree-5 polynomial on a in [7, 15]
    /// (relative error 2.5e-10), the exp <see cref="FloatGeluTable"/>'s; a is capped at 15, beyond which the product
    /// underflows to 0, leaving x or 0.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector512<float> WithFarLanes(Vector512<float> x, Vector512<float> v, Vector512<float> result)
    {
        // vminps with the cap first returns its second operand, so NaN stays NaN
        var a = Avx512F.Min(Vector512.Create(FloatGeluTable.Cap), Vector512.Abs(x));
        var u = Vector512<float>.One / a;
        var f = Avx512F.FusedMultiplyAdd(Vector512.Create(FarF5), u, Vector512.Create(FarF4));
        f = Avx512F.FusedMultiplyAdd(f, u, Vector512.Create(FarF3));
        f = Avx512F.FusedMultiplyAdd(f, u, Vector512.Create(FarF2));
        f = Avx512F.FusedMultiplyAdd(f, u, Vector512.Create(FarF1));
        f = Avx512F.FusedMultiplyAdd(f, u, Vector512.Create(FarF0));
        var (y, k) = FloatGeluTable.ExpOfMinusHalfSquare(a);
        // vmaxps returns its second operand, 0, for a NaN x, and the NaN comes through the product
        var far = Avx512F.Max(x, Vector512<float>.Zero) - Avx512F.Scale(y * f, k);
        // NaN at -inf, as 0.5 x erfc(-x / sqrt 2) gives
        far = Avx512F.Fixup(far, x, Vector512.Create(FloatGeluTable.NaNAtMinusInfinity), 0);
        return Vector512.ConditionalSelect(Vector512.LessThan(v, Vector512.Create(Limit)), result, far);
    }

    /// <summary>
    /// The tables as values. As constants the JIT makes each one a memory operand, read again for every 16 lanes:
    /// 16 loads of 64 bytes, which kept the load ports busier than the arithmetic (3.5 ns per 16 cached lanes
    /// against 3.0 with the tables in registers). A loop that takes them from <see cref="Load"/> before it starts
    /// keeps them in registers, 16 of AVX-512's 32.
    /// </summary>
    internal readonly struct Tables(
        Vector512<float> centerLow, Vector512<float> centerHigh, Vector512<float> p6Low, Vector512<float> p6High,
        Vector512<float> p5Low, Vector512<float> p5High, Vector512<float> p4Low, Vector512<float> p4High,
        Vector512<float> p3Low, Vector512<float> p3High, Vector512<float> p2Low, Vector512<float> p2High,
        Vector512<float> p1Low, Vector512<float> p1High, Vector512<float> p0Low, Vector512<float> p0High)
    {
        public readonly Vector512<float> CenterLow = centerLow, CenterHigh = centerHigh, P6Low = p6Low, P6High = p6High,
            P5Low = p5Low, P5High = p5High, P4Low = p4Low, P4High = p4High, P3Low = p3Low, P3High = p3High,
            P2Low = p2Low, P2High = p2High, P1Low = p1Low, P1High = p1High, P0Low = p0Low, P0High = p0High;

        // the tables in one array: the JIT does not take what it reads from there for constants
        static readonly float[] Values = Flatten(FloatGeluDirect.CenterLow, FloatGeluDirect.CenterHigh, FloatGeluDirect.P6Low, FloatGeluDirect.P6High,
            FloatGeluDirect.P5Low, FloatGeluDirect.P5High, FloatGeluDirect.P4Low, FloatGeluDirect.P4High, FloatGeluDirect.P3Low, FloatGeluDirect.P3High,
            FloatGeluDirect.P2Low, FloatGeluDirect.P2High, FloatGeluDirect.P1Low, FloatGeluDirect.P1High, FloatGeluDirect.P0Low, FloatGeluDirect.P0High);

        /// <summary>
        /// The tables read from memory, for a loop to keep in registers: 16 loads straight into the fields, which the
        /// JIT keeps as separate locals (built through a span, the struct was zeroed and copied on the stack: 1 KB twice).
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Tables Load()
        {
            ref float values = ref MemoryMarshal.GetArrayDataReference(Values);
            return new(At(ref values, 0), At(ref values, 1), At(ref values, 2), At(ref values, 3), At(ref values, 4),
                At(ref values, 5), At(ref values, 6), At(ref values, 7), At(ref values, 8), At(ref values, 9),
                At(ref values, 10), At(ref values, 11), At(ref values, 12), At(ref values, 13), At(ref values, 14),
                At(ref values, 15));
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        static Vector512<float> At(ref float values, int table) => Vector512.LoadUnsafe(ref values, (nuint)(table * Vector512<float>.Count));

        static float[] Flatten(params ReadOnlySpan<Vector512<float>> tables)
        {
            var values = new float[tables.Length * Vector512<float>.Count];
            for (int k = 0; k < tables.Length; k++) tables[k].CopyTo(values.AsSpan(k * Vector512<float>.Count));
            return values;
        }
    }

    /// <summary>The 32-entry table's entry at each lane's position (the low 5 bits of the index).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector512<float> At(Vector512<float> low, Vector512<float> high, Vector512<int> position) =>
        Avx512F.PermuteVar16x32x2(low, position, high);
}
