using System.Numerics;
using System.Runtime.Intrinsics;
using DeepGen.Kernels;

namespace DeepGen.Tests;

/// <summary>
/// The blocked GEMM at sizes that cross its K, row-panel and column-panel blocks (one K block, several,
/// a single phase and several phases), serial and parallel, with transposed operands and with the
/// bias/ReLU epilogue, against a plain double reference.
/// </summary>
public class GemmBlockingTests
{
    static double[] Values(int count, int seed)
    {
        var rng = new Random(seed);
        var v = new double[count];
        for (int i = 0; i < count; i++) v[i] = (float)(rng.NextDouble() * 2 - 1);
        return v;
    }

    public static TheoryData<int, int, int> Sizes => new()
    {
        { 1, 33, 7 }, { 7, 33, 1 }, { 33, 1, 1000 }, { 1, 3001, 300 }, { 33, 7, 300 }, { 13, 1000, 33 }, { 1000, 33, 7 }, { 130, 70, 600 }, { 150, 520, 300 }, { 520, 40, 1100 },
    };

    [Theory]
    [MemberData(nameof(Sizes))]
    public void EveryWidthAndLayoutMatchesTheReference(int m, int n, int k)
    {
        var av = Values(m * k, m + 1);
        var bv = Values(k * n, n + 2);
        var bias = Values(n + 3, 5);
        foreach (bool transA in new[] { false, true })
            foreach (bool transB in new[] { false, true })
                foreach (var epilogue in new (bool Bias, bool Relu)[] { (false, false), (true, false), (true, true), (false, true) })
                {
                    var expected = Expected(av, bv, m, n, k, epilogue.Bias ? bias : null, epilogue.Relu);
                    string what = $"{m}x{n}x{k} transA={transA} transB={transB} bias={epilogue.Bias} relu={epilogue.Relu}";
                    foreach (bool parallel in new[] { false, true })
                    {
                        Check<float>(av, bv, bias, m, n, k, transA, transB, epilogue, parallel, expected, what);
                        Check<double>(av, bv, bias, m, n, k, transA, transB, epilogue, parallel, expected, what);
                    }
                }
    }

    static (double[] Value, double[] Magnitude) Expected(double[] a, double[] b, int m, int n, int k, double[]? bias, bool relu)
    {
        var c = new double[m * n];
        var mag = new double[m * n];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double sum = bias is null ? 0 : bias[j + 1], abs = Math.Abs(sum);
                for (int p = 0; p < k; p++)
                {
                    sum += a[i * k + p] * b[p * n + j];
                    abs += Math.Abs(a[i * k + p] * b[p * n + j]);
                }
                c[i * n + j] = relu ? Math.Max(sum, 0) : sum;
                mag[i * n + j] = abs;
            }
        return (c, mag);
    }

    static void Check<T>(double[] av, double[] bv, double[] bias, int m, int n, int k, bool transA, bool transB,
        (bool Bias, bool Relu) epilogue, bool parallel, (double[] Value, double[] Magnitude) expected, string what)
        where T : unmanaged, INumber<T>
    {
        // stored with padded leading dimensions and an offset, transposed where asked
        int lda = (transA ? m : k) + 3, ldb = (transB ? k : n) + 2, ldc = n + 1;
        var a = new T[2 + (transA ? k : m) * lda];
        var b = new T[1 + (transB ? n : k) * ldb];
        for (int i = 0; i < m; i++)
            for (int p = 0; p < k; p++) a[2 + (transA ? p * lda + i : i * lda + p)] = T.CreateChecked(av[i * k + p]);
        for (int p = 0; p < k; p++)
            for (int j = 0; j < n; j++) b[1 + (transB ? j * ldb + p : p * ldb + j)] = T.CreateChecked(bv[p * n + j]);
        var biasT = bias.Select(T.CreateChecked).ToArray();
        var ep = new GemmEpilogue<T>(epilogue.Bias ? biasT : null, 1, epilogue.Relu);
        var matA = MatrixRef<T>.RowMajor(a, 2, lda, transA);
        var matB = MatrixRef<T>.RowMajor(b, 1, ldb, transB);

        void Verify(T[] c, string how)
        {
            double rel = typeof(T) == typeof(float) ? 1e-4 : 1e-12;
            for (int i = 0; i < m; i++)
                for (int j = 0; j < ldc; j++)
                {
                    double actual = double.CreateChecked(c[i * ldc + j]);
                    if (j == n)
                    {
                        if (!double.IsNaN(actual)) Assert.Fail($"{how} {what}: wrote outside C at ({i},{j})");
                        continue;
                    }
                    double e = expected.Value[i * n + j];
                    if (!(Math.Abs(e - actual) <= rel * expected.Magnitude[i * n + j] + 1e-30))
                        Assert.Fail($"{how} {what} {typeof(T).Name} parallel={parallel}: ({i},{j}) expected {e:G10}, got {actual:G10}");
                }
        }

        // beta = 0 ignores C's old NaNs
        foreach (var run in Widths<T>())
        {
            var c = Enumerable.Repeat(T.CreateChecked(double.NaN), m * ldc).ToArray();
            run(m, n, k, T.One, matA, matB, T.Zero, c, 0, ldc, parallel, ep);
            Verify(c, "blocked");
        }
        var viaDispatch = Enumerable.Repeat(T.CreateChecked(double.NaN), m * ldc).ToArray();
        Gemm.Run(m, n, k, T.One, matA, matB, T.Zero, viaDispatch, 0, ldc, parallel, ep);
        Verify(viaDispatch, "dispatch");
    }

    delegate void BlockedRun<T>(int m, int n, int k, T alpha, MatrixRef<T> a, MatrixRef<T> b, T beta, T[] c, int offC, int ldc, bool parallel,
        GemmEpilogue<T> epilogue) where T : unmanaged, INumber<T>;

    /// <summary>The blocked kernel at every vector width this CPU runs, not only the one dispatch picks.</summary>
    static IEnumerable<BlockedRun<T>> Widths<T>() where T : unmanaged, INumber<T>
    {
        yield return GemmBlocked<SimdPortable<T>, Vector<T>, T>.Run;
        if (Simd256<T>.IsSupported) yield return GemmBlocked<Simd256<T>, Vector256<T>, T>.Run;
        if (Simd512<T>.IsSupported) yield return GemmBlocked<Simd512<T>, Vector512<T>, T>.Run;
    }

    [Fact]
    public void ReluEpilogueKeepsNaN()
    {
        // a NaN in A reaches one row of C; ReLU must not turn it into zero (PyTorch's relu keeps NaN)
        int m = 13, n = 40, k = 5;
        var a = Values(m * k, 1).Select(x => (float)x).ToArray();
        var b = Values(k * n, 2).Select(x => (float)x).ToArray();
        a[3 * k] = float.NaN;
        var c = new float[m * n];
        Gemm.Run(false, false, m, n, k, 1f, a, 0, k, b, 0, n, 0f, c, 0, n, epilogue: new GemmEpilogue<float>(null, 0, true));
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
                if (i == 3) Assert.True(float.IsNaN(c[i * n + j]), $"({i},{j})");
                else Assert.True(c[i * n + j] >= 0, $"({i},{j}) = {c[i * n + j]}");
    }
}
