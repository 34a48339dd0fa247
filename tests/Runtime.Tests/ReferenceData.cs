namespace DeepGen.Tests;

/// <summary>
/// Helpers for checking ops against plain double loops: reproducible data, tensors of a given dtype, and
/// a reference reduction that groups elements by output position with no cleverness at all.
/// </summary>
public static class ReferenceData
{
    public static readonly DType[] FloatTypes = [DType.Float32, DType.Float64];

    /// <summary>Normal-ish values with a seed, scaled by <paramref name="scale"/>.</summary>
    public static double[] Values(int count, int seed, double scale = 1)
    {
        var random = new Random(seed);
        var values = new double[count];
        for (int i = 0; i < count; i++) values[i] = (random.NextDouble() + random.NextDouble() + random.NextDouble() - 1.5) * 2 * scale;
        return values;
    }

    /// <summary>A tensor of <paramref name="dtype"/> holding <paramref name="values"/>, and the values it actually holds (rounded for float32).</summary>
    public static (Tensor Tensor, double[] Stored) Make(double[] values, int[] shape, DType dtype)
    {
        var t = Tensor.FromArray(values, shape).To(dtype);
        return (t, t.ToArray<double>());
    }

    public static double Tolerance(DType dtype) => dtype == DType.Float32 ? 2e-5 : 1e-11;

    public static void AssertClose(double[] expected, Tensor actual, double tolerance)
    {
        var values = actual.ToArray<double>();
        Assert.Equal(expected.Length, values.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            if (double.IsNaN(expected[i]) || double.IsInfinity(expected[i]))
            {
                Assert.True(expected[i].Equals(values[i]), $"element {i}: expected {expected[i]}, got {values[i]}");
                continue;
            }
            double diff = Math.Abs(expected[i] - values[i]);
            Assert.True(diff <= tolerance * (1 + Math.Abs(expected[i])), $"element {i}: expected {expected[i]:R}, got {values[i]:R} (diff {diff:G3})");
        }
    }

    public static void AssertClose(double expected, Tensor actual, double tolerance) => AssertClose([expected], actual, tolerance);

    /// <summary>
    /// Reduces <paramref name="x"/> (row-major, of <paramref name="shape"/>) over <paramref name="dims"/> (all when
    /// empty): each output element gets <paramref name="f"/> of its group of inputs, in row-major order.
    /// </summary>
    public static (double[] Values, int[] Shape) Reduce(double[] x, int[] shape, int[] dims, bool keepdim, Func<List<double>, double> f)
    {
        int rank = shape.Length;
        var reduced = new bool[rank];
        if (dims.Length == 0) Array.Fill(reduced, true);
        foreach (var d in dims) reduced[d < 0 ? d + rank : d] = true;
        var outShape = new List<int>();
        var keptShape = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            keptShape[i] = reduced[i] ? 1 : shape[i];
            if (!reduced[i] || keepdim) outShape.Add(keptShape[i]);
        }
        int outCount = keptShape.Aggregate(1, (a, b) => a * b);
        var groups = new List<double>[outCount];
        for (int i = 0; i < outCount; i++) groups[i] = [];
        var index = new int[rank];
        for (int flat = 0; flat < x.Length; flat++)
        {
            int rest = flat;
            for (int d = rank - 1; d >= 0; d--) { index[d] = rest % shape[d]; rest /= shape[d]; }
            int o = 0;
            for (int d = 0; d < rank; d++) o = o * keptShape[d] + (reduced[d] ? 0 : index[d]);
            groups[o].Add(x[flat]);
        }
        return (groups.Select(f).ToArray(), outShape.ToArray());
    }
}
