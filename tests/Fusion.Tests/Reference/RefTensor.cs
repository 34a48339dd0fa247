namespace DeepGen.Fusion.Tests.Reference;

/// <summary>A plain row-major float64 tensor for the reference interpreter: obviously correct, not fast.</summary>
internal sealed class RefTensor
{
    public RefTensor(int[] shape, double[]? data = null)
    {
        Shape = shape;
        Data = data ?? new double[Numel(shape)];
        if (Data.Length != Numel(shape))
        {
            throw new ArgumentException($"{Data.Length} values for shape [{string.Join(", ", shape)}]");
        }
    }

    public int[] Shape { get; }

    public double[] Data { get; }

    public int Rank => Shape.Length;

    public static int Numel(int[] shape) => shape.Aggregate(1, (a, b) => a * b);

    public static RefTensor Scalar(double value) => new([], [value]);

    public static RefTensor Random(Random random, int[] shape, double lo = -1, double hi = 1) =>
        new(shape, Enumerable.Range(0, Numel(shape)).Select(_ => lo + ((hi - lo) * random.NextDouble())).ToArray());

    public RefTensor Clone() => new((int[])Shape.Clone(), (double[])Data.Clone());

    public RefTensor Reshape(int[] shape) => new(shape, Data);

    public double this[params int[] index]
    {
        get => Data[Offset(index)];
        set => Data[Offset(index)] = value;
    }

    public int Offset(int[] index)
    {
        int offset = 0;
        for (int d = 0; d < Shape.Length; d++)
        {
            offset = (offset * Shape[d]) + index[d];
        }

        return offset;
    }

    /// <summary>The multi-index of a flat position.</summary>
    public static int[] Unravel(int flat, int[] shape)
    {
        var index = new int[shape.Length];
        for (int d = shape.Length - 1; d >= 0; d--)
        {
            index[d] = flat % shape[d];
            flat /= shape[d];
        }

        return index;
    }

    /// <summary>The element that broadcasting maps output index <paramref name="outIndex"/> to.</summary>
    public double Broadcast(int[] outIndex)
    {
        int offset = 0;
        int lead = outIndex.Length - Shape.Length;
        for (int d = 0; d < Shape.Length; d++)
        {
            offset = (offset * Shape[d]) + (Shape[d] == 1 ? 0 : outIndex[lead + d]);
        }

        return Data[offset];
    }

    public static int[] BroadcastShapes(IEnumerable<int[]> shapes)
    {
        int[] result = [];
        foreach (int[] s in shapes)
        {
            int rank = Math.Max(result.Length, s.Length);
            var next = new int[rank];
            for (int i = 1; i <= rank; i++)
            {
                int a = i <= result.Length ? result[result.Length - i] : 1;
                int b = i <= s.Length ? s[s.Length - i] : 1;
                if (a != b && a != 1 && b != 1)
                {
                    throw new InvalidOperationException($"reference: shapes do not broadcast ({a} vs {b})");
                }

                next[rank - i] = a == 1 ? b : a;
            }

            result = next;
        }

        return result;
    }

    /// <summary>Broadcasts to <paramref name="shape"/> (a copy).</summary>
    public RefTensor Expand(int[] shape)
    {
        var result = new RefTensor(shape);
        for (int i = 0; i < result.Data.Length; i++)
        {
            result.Data[i] = Broadcast(Unravel(i, shape));
        }

        return result;
    }
}
