using DeepGen.Kernels;

namespace DeepGen.Tests;

public class MatMulTests
{
    // ---- reference and helpers ----

    /// <summary>The textbook triple loop on row-major double arrays, plus sum |a||b| per entry for the rounding bound.</summary>
    static (double[] Product, double[] Magnitude) Reference(double[] a, double[] b, int m, int k, int n)
    {
        var c = new double[m * n];
        var mag = new double[m * n];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double sum = 0, abs = 0;
                for (int p = 0; p < k; p++)
                {
                    sum += a[i * k + p] * b[p * n + j];
                    abs += Math.Abs(a[i * k + p] * b[p * n + j]);
                }
                c[i * n + j] = sum;
                mag[i * n + j] = abs;
            }
        return (c, mag);
    }

    static void AssertClose(double[] expected, double[] magnitude, double[] actual, DType dtype, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        double rel = dtype == DType.Float32 ? 1e-4 : 1e-12;
        for (int i = 0; i < expected.Length; i++)
            if (!(Math.Abs(expected[i] - actual[i]) <= rel * magnitude[i] + 1e-30)) Assert.Fail($"{what}: element {i}: expected {expected[i]:G10}, got {actual[i]:G10}");
    }

    static void AssertNear(double[] expected, double[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            if (!(Math.Abs(expected[i] - actual[i]) <= 1e-12 * (1 + Math.Abs(expected[i])))) Assert.Fail($"element {i}: expected {expected[i]:G17}, got {actual[i]:G17}");
    }

    /// <summary>Random values that float32 holds exactly, so float32 and float64 see the same matrices.</summary>
    static double[] Values(int count, int seed)
    {
        var rng = new Random(seed);
        var v = new double[count];
        for (int i = 0; i < count; i++) v[i] = (float)(rng.NextDouble() * 2 - 1);
        return v;
    }

    enum Layout { Contiguous, Transposed, Strided, Padded }

    /// <summary>
    /// A rows x cols tensor holding <paramref name="v"/> (row-major) in the given layout: a plain tensor, the
    /// transpose of a [cols, rows] tensor, every other column of a wider tensor, or a window of a bigger tensor
    /// (row stride above cols, nonzero offset). Elements outside the view are NaN, so reading one shows.
    /// </summary>
    static Tensor Make(double[] v, int rows, int cols, Layout layout, DType dtype)
    {
        switch (layout)
        {
            case Layout.Contiguous:
                return Tensor.FromArray(v, rows, cols).To(dtype);
            case Layout.Transposed:
            {
                var t = new double[v.Length];
                for (int i = 0; i < rows; i++)
                    for (int j = 0; j < cols; j++) t[j * rows + i] = v[i * cols + j];
                return Tensor.FromArray(t, cols, rows).To(dtype).T;
            }
            case Layout.Strided:
            {
                var w = Enumerable.Repeat(double.NaN, rows * cols * 2).ToArray();
                for (int i = 0; i < rows; i++)
                    for (int j = 0; j < cols; j++) w[i * cols * 2 + 2 * j] = v[i * cols + j];
                return Tensor.FromArray(w, rows, cols * 2).To(dtype).Slice(1, 0, null, 2);
            }
            default:
            {
                var w = Enumerable.Repeat(double.NaN, (rows + 1) * (cols + 3)).ToArray();
                for (int i = 0; i < rows; i++)
                    for (int j = 0; j < cols; j++) w[(i + 1) * (cols + 3) + j + 2] = v[i * cols + j];
                return Tensor.FromArray(w, rows + 1, cols + 3).To(dtype).Narrow(0, 1, rows).Narrow(1, 2, cols);
            }
        }
    }

    static readonly (Layout A, Layout B)[] LayoutPairs =
    [
        (Layout.Contiguous, Layout.Contiguous), (Layout.Transposed, Layout.Contiguous), (Layout.Contiguous, Layout.Transposed),
        (Layout.Transposed, Layout.Transposed), (Layout.Strided, Layout.Padded), (Layout.Padded, Layout.Strided),
    ];

    // ---- forward against the reference ----

    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(1, 7, 33)]
    [InlineData(7, 1, 7)]
    [InlineData(33, 7, 1)]
    [InlineData(7, 33, 65)]
    [InlineData(65, 130, 33)]
    [InlineData(130, 65, 130)]
    [InlineData(33, 300, 7)]
    [InlineData(97, 257, 65)]
    [InlineData(7, 5, 4100)]
    [InlineData(65, 600, 33)]
    public void MatrixProductMatchesTripleLoop(int m, int k, int n)
    {
        var av = Values(m * k, m * 1000 + k);
        var bv = Values(k * n, k * 1000 + n);
        var (expected, magnitude) = Reference(av, bv, m, k, n);
        foreach (var dtype in new[] { DType.Float32, DType.Float64 })
            foreach (var (la, lb) in LayoutPairs)
            {
                var c = Make(av, m, k, la, dtype).MatMul(Make(bv, k, n, lb, dtype));
                Assert.Equal(dtype, c.DType);
                Assert.Equal(new[] { m, n }, c.ShapeArray());
                AssertClose(expected, magnitude, c.ToArray<double>(), dtype, $"{m}x{k}x{n} {dtype} {la}@{lb}");
            }
    }

    [Fact]
    public void EmptyInnerDimensionGivesZeros()
    {
        var c = Tensor.Zeros(3, 0).MatMul(Tensor.Zeros(0, 4));
        Assert.Equal(new[] { 3, 4 }, c.ShapeArray());
        Assert.All(c.ToArray<float>(), v => Assert.Equal(0f, v));
        Assert.Equal(new[] { 0, 4 }, Tensor.Zeros(0, 2).MatMul(Tensor.Zeros(2, 4)).ShapeArray());
    }

    [Fact]
    public void Int64MatMulIsExact()
    {
        var a = Tensor.Arange(12).Reshape(3, 4);
        var b = Tensor.Arange(8).Reshape(4, 2) - 3;
        var c = a.MatMul(b);
        Assert.Equal(DType.Int64, c.DType);
        var (expected, _) = Reference(a.ToArray<double>(), b.ToArray<double>(), 3, 4, 2);
        Assert.Equal(expected.Select(x => (long)x).ToArray(), c.ToArray<long>());
        Assert.Equal(expected.Select(x => (long)x).ToArray(), a.T.Contiguous().T.MatMul(b).ToArray<long>());
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(true, true)]
    public void GemmKernelHonoursAlphaBetaAndLeadingDimensions(bool transA, bool transB)
    {
        foreach (var (m, n, k) in new[] { (1, 9, 5), (9, 1, 5), (1, 1, 7), (13, 70, 33), (70, 13, 300) })
        {
            int lda = (transA ? m : k) + 2, ldb = (transB ? k : n) + 1, ldc = n + 3;
            var a = Values((transA ? k : m) * lda, 1);
            var b = Values((transB ? n : k) * ldb, 2);
            var c0 = Values(m * ldc, 3);
            double A(int i, int p) => transA ? a[1 + p * lda + i] : a[1 + i * lda + p];
            double B(int p, int j) => transB ? b[j * ldb + p] : b[p * ldb + j];

            foreach (var (alpha, beta) in new[] { (1.0, 0.0), (0.5, 2.0), (-1.5, 1.0) })
            {
                // doubles
                var c = (double[])c0.Clone();
                if (beta == 0) for (int i = 0; i < m; i++) c[i * ldc] = double.NaN; // beta = 0 must ignore old C
                Gemm.Run(transA, transB, m, n, k, alpha, a, 1, lda, b, 0, ldb, beta, c, 0, ldc);
                // floats, from the same (float-exact) values
                var cf = c0.Select(x => (float)x).ToArray();
                Gemm.Run(transA, transB, m, n, k, (float)alpha, a.Select(x => (float)x).ToArray(), 1, lda,
                    b.Select(x => (float)x).ToArray(), 0, ldb, (float)beta, cf, 0, ldc);
                for (int i = 0; i < m; i++)
                    for (int j = 0; j < ldc; j++)
                    {
                        int at = i * ldc + j;
                        if (j >= n)
                        {
                            Assert.Equal(c0[at], c[at]); // outside the matrix: untouched
                            continue;
                        }
                        double sum = 0, mag = Math.Abs(beta * c0[at]);
                        for (int p = 0; p < k; p++)
                        {
                            sum += A(i, p) * B(p, j);
                            mag += Math.Abs(alpha * A(i, p) * B(p, j));
                        }
                        double expected = alpha * sum + beta * c0[at];
                        if (!(Math.Abs(expected - c[at]) <= 1e-12 * mag + 1e-300)) Assert.Fail($"double {m}x{n}x{k} ({i},{j}): {expected} vs {c[at]}");
                        if (!(Math.Abs(expected - cf[at]) <= 1e-4 * mag + 1e-30)) Assert.Fail($"float {m}x{n}x{k} ({i},{j}): {expected} vs {cf[at]}");
                    }
            }
        }
    }

    /// <summary>The blocked kernel at every vector width this CPU can run, not just the one dispatch picks.</summary>
    [Fact]
    public void EveryVectorWidthMatchesTheReference()
    {
        int m = 31, k = 270, n = 45;
        var av = Values(m * k, 11);
        var bv = Values(k * n, 12);
        var (expected, mag) = Reference(av, bv, m, k, n);
        var a = new MatrixRef<double>(av, 0, k, 1);
        var bT = new MatrixRef<double>(Enumerable.Range(0, k * n).Select(i => bv[(i % k) * n + i / k]).ToArray(), 0, 1, k);
        var af = new MatrixRef<float>(av.Select(x => (float)x).ToArray(), 0, k, 1);
        var bf = new MatrixRef<float>(bv.Select(x => (float)x).ToArray(), 0, n, 1);
        foreach (bool parallel in new[] { false, true })
        {
            var c = new double[m * n];
            var cf = new float[m * n];
            GemmBlocked<SimdPortable<double>, System.Numerics.Vector<double>, double>.Run(m, n, k, 1.0, a, bT, 0.0, c, 0, n, parallel);
            GemmBlocked<SimdPortable<float>, System.Numerics.Vector<float>, float>.Run(m, n, k, 1f, af, bf, 0f, cf, 0, n, parallel);
            AssertClose(expected, mag, c, DType.Float64, "portable double");
            AssertClose(expected, mag, cf.Select(x => (double)x).ToArray(), DType.Float32, "portable float");
            if (Simd256<double>.IsSupported)
            {
                GemmBlocked<Simd256<double>, System.Runtime.Intrinsics.Vector256<double>, double>.Run(m, n, k, 1.0, a, bT, 0.0, c, 0, n, parallel);
                GemmBlocked<Simd256<float>, System.Runtime.Intrinsics.Vector256<float>, float>.Run(m, n, k, 1f, af, bf, 0f, cf, 0, n, parallel);
                AssertClose(expected, mag, c, DType.Float64, "256-bit double");
                AssertClose(expected, mag, cf.Select(x => (double)x).ToArray(), DType.Float32, "256-bit float");
            }
            if (Simd512<double>.IsSupported)
            {
                GemmBlocked<Simd512<double>, System.Runtime.Intrinsics.Vector512<double>, double>.Run(m, n, k, 1.0, a, bT, 0.0, c, 0, n, parallel);
                GemmBlocked<Simd512<float>, System.Runtime.Intrinsics.Vector512<float>, float>.Run(m, n, k, 1f, af, bf, 0f, cf, 0, n, parallel);
                AssertClose(expected, mag, c, DType.Float64, "512-bit double");
                AssertClose(expected, mag, cf.Select(x => (double)x).ToArray(), DType.Float32, "512-bit float");
            }
        }
    }

    // ---- torch.matmul's shape rules ----

    [Fact]
    public void VectorCases()
    {
        var v = Values(7, 1);
        var w = Values(7, 2);
        var m = Values(7 * 5, 3);
        var x = Tensor.FromArray(v).Double();
        var y = Tensor.FromArray(w).Double();
        var mat = Tensor.FromArray(m, 7, 5).Double();

        var dot = x.MatMul(y);
        Assert.Equal(0, dot.Rank);
        Assert.Equal(v.Zip(w, (p, q) => p * q).Sum(), dot.Item<double>(), 12);

        var (rowTimes, _) = Reference(v, m, 1, 7, 5);
        var vm = x.MatMul(mat);
        Assert.Equal(new[] { 5 }, vm.ShapeArray());
        AssertNear(rowTimes, vm.ToArray<double>());

        var (timesColumn, _) = Reference(m, Values(5, 4), 7, 5, 1);
        var mv = mat.MatMul(Tensor.FromArray(Values(5, 4)).Double());
        Assert.Equal(new[] { 7 }, mv.ShapeArray());
        AssertNear(timesColumn, mv.ToArray<double>());

        // the same through transposed views (a column-major matrix times a vector)
        var mtv = mat.T.Contiguous().T.MatMul(Tensor.FromArray(Values(5, 4)).Double());
        AssertNear(timesColumn, mtv.ToArray<double>());
        var vmt = x.MatMul(mat.T.Contiguous().T);
        AssertNear(rowTimes, vmt.ToArray<double>());
    }

    [Fact]
    public void VectorWithBatchedMatrix()
    {
        var batch = Tensor.FromArray(Values(3 * 4 * 5, 1), 3, 4, 5).Double();
        var left = Tensor.FromArray(Values(4, 2)).Double();
        var right = Tensor.FromArray(Values(5, 3)).Double();

        var lv = left.MatMul(batch);
        Assert.Equal(new[] { 3, 5 }, lv.ShapeArray());
        var rv = batch.MatMul(right);
        Assert.Equal(new[] { 3, 4 }, rv.ShapeArray());
        for (int b = 0; b < 3; b++)
        {
            var slice = batch[b].ToArray<double>();
            AssertNear(Reference(left.ToArray<double>(), slice, 1, 4, 5).Product, lv[b].ToArray<double>());
            AssertNear(Reference(slice, right.ToArray<double>(), 4, 5, 1).Product, rv[b].ToArray<double>());
        }
    }

    [Theory]
    [InlineData(DType.Float32)]
    [InlineData(DType.Float64)]
    public void BatchDimsBroadcast(DType dtype)
    {
        // [B, 1, M, K] @ [N, K, P] -> [B, N, M, P]
        int B = 2, N = 3, M = 7, K = 33, P = 5;
        var av = Values(B * M * K, 1);
        var bv = Values(N * K * P, 2);
        var c = Tensor.FromArray(av, B, 1, M, K).To(dtype).MatMul(Tensor.FromArray(bv, N, K, P).To(dtype));
        Assert.Equal(new[] { B, N, M, P }, c.ShapeArray());
        for (int b = 0; b < B; b++)
            for (int n = 0; n < N; n++)
            {
                var (expected, mag) = Reference(av[(b * M * K)..((b + 1) * M * K)], bv[(n * K * P)..((n + 1) * K * P)], M, K, P);
                AssertClose(expected, mag, c[b, n].ToArray<double>(), dtype, $"batch ({b}, {n})");
            }
    }

    [Theory]
    [InlineData(DType.Float32)]
    [InlineData(DType.Float64)]
    public void BatchedWithSharedMatrixAndStridedBatches(DType dtype)
    {
        int B = 4, M = 7, K = 9, P = 6;
        var av = Values(B * M * K, 5);
        var bv = Values(K * P, 6);
        var a = Tensor.FromArray(av, B, M, K).To(dtype);
        var b = Tensor.FromArray(bv, K, P).To(dtype);
        // a's batches folded into one tall product; a built as the transpose of [M, B, K] cannot be folded
        var folded = a.MatMul(b);
        var interleaved = a.Transpose(0, 1).Contiguous().Transpose(0, 1).MatMul(b);
        // every batch of a against the transposed view of b, b broadcast with an expanded batch dim
        var expanded = a.MatMul(b.T.Contiguous().T.Unsqueeze(0).Expand(B, K, P));
        for (int i = 0; i < B; i++)
        {
            var (expected, mag) = Reference(av[(i * M * K)..((i + 1) * M * K)], bv, M, K, P);
            AssertClose(expected, mag, folded[i].ToArray<double>(), dtype, $"folded batch {i}");
            AssertClose(expected, mag, interleaved[i].ToArray<double>(), dtype, $"interleaved batch {i}");
            AssertClose(expected, mag, expanded[i].ToArray<double>(), dtype, $"expanded batch {i}");
        }
    }

    [Fact]
    public void ManySmallBatchesInParallel()
    {
        int B = 64, M = 17, K = 33, P = 17;
        var av = Values(B * M * K, 7);
        var bv = Values(B * K * P, 8);
        // b given as the transposed view of [B, P, K]
        var bT = Tensor.FromArray(bv, B, K, P).Transpose(1, 2).Contiguous().Transpose(1, 2);
        var c = Tensor.FromArray(av, B, M, K).MatMul(bT);
        for (int i = 0; i < B; i++)
        {
            var (expected, mag) = Reference(av[(i * M * K)..((i + 1) * M * K)], bv[(i * K * P)..((i + 1) * K * P)], M, K, P);
            AssertClose(expected, mag, c[i].ToArray<double>(), DType.Float32, $"batch {i}");
        }
    }

    // ---- gradients ----

    [Fact]
    public void MatrixGradients()
    {
        GradCheck.Check(t => t[0].MatMul(t[1]), GradCheck.Leaf(3, 4), GradCheck.Leaf(4, 5));
        GradCheck.Check(t => t[0].T.MatMul(t[1].T), GradCheck.Leaf(4, 3), GradCheck.Leaf(5, 4));
        GradCheck.Check(t => Tensor.MatMul(t[0], t[1]), GradCheck.Leaf(1, 6), GradCheck.Leaf(6, 1));
        // only one operand requires grad
        GradCheck.Check(t => t[0].MatMul(t[1]), GradCheck.Leaf(2, 3), Tensor.Randn([3, 2], DType.Float64));
        GradCheck.Check(t => t[1].MatMul(t[0]), GradCheck.Leaf(2, 3), Tensor.Randn([4, 2], DType.Float64));
    }

    [Fact]
    public void VectorGradients()
    {
        GradCheck.Check(t => t[0].MatMul(t[1]), GradCheck.Leaf(5), GradCheck.Leaf(5));
        GradCheck.Check(t => t[0].MatMul(t[1]), GradCheck.Leaf(4), GradCheck.Leaf(4, 3));
        GradCheck.Check(t => t[0].MatMul(t[1]), GradCheck.Leaf(3, 4), GradCheck.Leaf(4));
        GradCheck.Check(t => t[0].MatMul(t[1]), GradCheck.Leaf(4), GradCheck.Leaf(2, 4, 3));
        GradCheck.Check(t => t[0].MatMul(t[1]), GradCheck.Leaf(2, 3, 4), GradCheck.Leaf(4));
    }

    [Fact]
    public void BatchedAndBroadcastGradients()
    {
        GradCheck.Check(t => t[0].MatMul(t[1]), GradCheck.Leaf(2, 1, 3, 4), GradCheck.Leaf(3, 4, 2));
        GradCheck.Check(t => t[0].MatMul(t[1]), GradCheck.Leaf(2, 3, 4), GradCheck.Leaf(4, 5));
        GradCheck.Check(t => t[0].MatMul(t[1]), GradCheck.Leaf(3, 4), GradCheck.Leaf(2, 4, 5));
        GradCheck.Check(t => t[0].MatMul(t[1]), GradCheck.Leaf(2, 3, 4), GradCheck.Leaf(1, 4, 2));
        // non-contiguous batches and transposed matrices
        GradCheck.Check(t => t[0].Transpose(0, 1).MatMul(t[1].MT), GradCheck.Leaf(3, 2, 4), GradCheck.Leaf(2, 5, 4));
        GradCheck.Check(t => t[0].Transpose(0, 1).MatMul(t[1]), GradCheck.Leaf(3, 2, 4), GradCheck.Leaf(4, 2));
    }

    // ---- F.Linear ----

    [Theory]
    [InlineData(DType.Float32)]
    [InlineData(DType.Float64)]
    public void LinearMatchesReference(DType dtype)
    {
        foreach (var (rows, inF, outF) in new[] { (1, 1, 1), (7, 33, 65), (130, 65, 7), (33, 130, 1) })
        {
            var xv = Values(rows * inF, rows + inF);
            var wv = Values(outF * inF, outF + 7);
            var bv = Values(outF, outF + 11);
            var wT = new double[inF * outF];
            for (int o = 0; o < outF; o++)
                for (int i = 0; i < inF; i++) wT[i * outF + o] = wv[o * inF + i];
            var (expected, mag) = Reference(xv, wT, rows, inF, outF);
            var withBias = expected.Select((e, i) => e + bv[i % outF]).ToArray();
            var magBias = mag.Select((e, i) => e + Math.Abs(bv[i % outF])).ToArray();

            var x = Tensor.FromArray(xv, rows, inF).To(dtype);
            var w = Tensor.FromArray(wv, outF, inF).To(dtype);
            var b = Tensor.FromArray(bv).To(dtype);
            AssertClose(withBias, magBias, F.Linear(x, w, b).ToArray<double>(), dtype, "linear with bias");
            AssertClose(expected, mag, F.Linear(x, w).ToArray<double>(), dtype, "linear without bias");
            // a transposed (column-major) input and weight read in place
            var xT = Make(xv, rows, inF, Layout.Transposed, dtype);
            var wTT = Make(wv, outF, inF, Layout.Transposed, dtype);
            AssertClose(withBias, magBias, F.Linear(xT, wTT, b).ToArray<double>(), dtype, "linear, transposed operands");
        }
    }

    [Fact]
    public void LinearShapes()
    {
        var w = Tensor.Randn(5, 4);
        Assert.Equal(new[] { 5 }, F.Linear(Tensor.Randn(4), w).ShapeArray());
        Assert.Equal(new[] { 2, 3, 5 }, F.Linear(Tensor.Randn(2, 3, 4), w, Tensor.Randn(5)).ShapeArray());
        // a [2, 3, 4] input whose leading dims cannot be merged without a copy
        var x = Tensor.Randn(3, 2, 4).Transpose(0, 1);
        Assert.Equal(x.Contiguous().Reshape(6, 4).MatMul(w.T).ToArray<float>(), F.Linear(x, w).Reshape(6, 5).ToArray<float>());
        Assert.Equal(new long[] { 14, 38 }, F.Linear(Tensor.Arange(4), Tensor.Arange(8).Reshape(2, 4)).ToArray<long>());
    }

    [Fact]
    public void LinearGradients()
    {
        GradCheck.Check(t => F.Linear(t[0], t[1], t[2]), GradCheck.Leaf(3, 4), GradCheck.Leaf(5, 4), GradCheck.Leaf(5));
        GradCheck.Check(t => F.Linear(t[0], t[1]), GradCheck.Leaf(2, 3, 4), GradCheck.Leaf(2, 4));
        GradCheck.Check(t => F.Linear(t[0], t[1], t[2]), GradCheck.Leaf(4), GradCheck.Leaf(3, 4), GradCheck.Leaf(3));
        GradCheck.Check(t => F.Linear(t[0].Transpose(0, 1), t[1].T, t[2]), GradCheck.Leaf(3, 2, 4), GradCheck.Leaf(4, 5), GradCheck.Leaf(5));
        GradCheck.Check(t => F.Linear(t[0], t[1], t[2]), GradCheck.Leaf(3, 4), Tensor.Randn([2, 4], DType.Float64), GradCheck.Leaf(2));
    }

    // ---- errors ----

    [Fact]
    public void InnerDimensionMismatchNamesBothShapes()
    {
        var e = Assert.Throws<ArgumentException>(() => Tensor.Zeros(2, 3).MatMul(Tensor.Zeros(4, 5)));
        Assert.Equal("matmul: [2, 3] @ [4, 5]: inner dimensions 3 and 4 differ", e.Message);
        e = Assert.Throws<ArgumentException>(() => Tensor.MatMul(Tensor.Zeros(3), Tensor.Zeros(4)));
        Assert.Equal("matmul: [3] @ [4]: inner dimensions 3 and 4 differ", e.Message);
        e = Assert.Throws<ArgumentException>(() => Tensor.Zeros(2, 5, 3).MatMul(Tensor.Zeros(2)));
        Assert.Equal("matmul: [2, 5, 3] @ [2]: inner dimensions 3 and 2 differ", e.Message);
    }

    [Fact]
    public void BatchMismatchNamesBatchDims()
    {
        var e = Assert.Throws<ArgumentException>(() => Tensor.Zeros(2, 3, 4).MatMul(Tensor.Zeros(5, 4, 6)));
        Assert.Equal("matmul: [2, 3, 4] @ [5, 4, 6]: batch dimensions [2] and [5] cannot be broadcast", e.Message);
        e = Assert.Throws<ArgumentException>(() => Tensor.Zeros(3, 1, 2, 4).MatMul(Tensor.Zeros(2, 5, 4, 6)));
        Assert.Equal("matmul: [3, 1, 2, 4] @ [2, 5, 4, 6]: batch dimensions [3, 1] and [2, 5] cannot be broadcast", e.Message);
    }

    [Fact]
    public void ZeroDimAndDTypeErrors()
    {
        var e = Assert.Throws<ArgumentException>(() => Tensor.Scalar(2).MatMul(Tensor.Zeros(2, 3)));
        Assert.Equal("matmul: both arguments need to be at least 1-D, but got shapes [] and [2, 3]", e.Message);
        e = Assert.Throws<ArgumentException>(() => Tensor.Zeros(2, 3).MatMul(Tensor.Zeros([3, 2], DType.Float64)));
        Assert.Equal("matmul: expected both operands to have the same dtype, but got float32 ([2, 3]) and float64 ([3, 2])", e.Message);
        var n = Assert.Throws<NotSupportedException>(() => Tensor.Zeros([2, 2], DType.Bool).MatMul(Tensor.Zeros([2, 2], DType.Bool)));
        Assert.Equal("matmul: not implemented for dtype bool", n.Message);
    }

    [Fact]
    public void LinearErrors()
    {
        var e = Assert.Throws<ArgumentException>(() => F.Linear(Tensor.Zeros(2, 3), Tensor.Zeros(5, 4)));
        Assert.Equal("linear: input [2, 3] and weight [5, 4]: the input has 3 features but the weight expects in_features = 4", e.Message);
        e = Assert.Throws<ArgumentException>(() => F.Linear(Tensor.Zeros(2, 4), Tensor.Zeros(5, 4), Tensor.Zeros(4)));
        Assert.Equal("linear: bias [4] does not match weight [5, 4]: expected [5]", e.Message);
        e = Assert.Throws<ArgumentException>(() => F.Linear(Tensor.Zeros(2, 4), Tensor.Zeros(4)));
        Assert.Equal("linear: weight must be 2-D [out_features, in_features], got shape [4]", e.Message);
        e = Assert.Throws<ArgumentException>(() => F.Linear(Tensor.Scalar(1), Tensor.Zeros(1, 1)));
        Assert.Equal("linear: input must be at least 1-D [*, in_features], got shape []", e.Message);
        e = Assert.Throws<ArgumentException>(() => F.Linear(Tensor.Zeros(2, 4), Tensor.Zeros([5, 4], DType.Float64), Tensor.Zeros(5)));
        Assert.Equal("linear: input (float32), weight (float64) and bias (float32) must have the same dtype", e.Message);
    }
}
