namespace DeepGen;

/// <summary>Shape arithmetic shared by every op: formatting, dim normalisation, broadcasting, strides.</summary>
internal static class Shapes
{
    /// <summary>PyTorch-style text of a shape: <c>[2, 3]</c>.</summary>
    public static string Format(ReadOnlySpan<int> shape) => "[" + string.Join(", ", shape.ToArray()) + "]";

    public static int Numel(ReadOnlySpan<int> shape)
    {
        long n = 1;
        foreach (var d in shape) n *= d;
        if (n > int.MaxValue) throw new ArgumentException($"shape {Format(shape)} has {n} elements, more than a CPU tensor can hold ({int.MaxValue})");
        return (int)n;
    }

    public static int[] ContiguousStrides(ReadOnlySpan<int> shape)
    {
        var strides = new int[shape.Length];
        int s = 1;
        for (int i = shape.Length - 1; i >= 0; i--)
        {
            strides[i] = s;
            s *= Math.Max(shape[i], 1);
        }
        return strides;
    }

    /// <summary>Turns a possibly negative dim into 0..rank-1, or throws naming the op.</summary>
    public static int NormalizeDim(int dim, int rank, string op)
    {
        int r = Math.Max(rank, 1);
        if (dim < -r || dim >= r)
            throw new ArgumentOutOfRangeException(nameof(dim), $"{op}: dimension {dim} is out of range for a tensor of rank {rank} (expected {-r}..{r - 1})");
        return dim < 0 ? dim + r : dim;
    }

    public static void CheckShape(ReadOnlySpan<int> shape, string op)
    {
        foreach (var d in shape)
            if (d < 0) throw new ArgumentException($"{op}: negative dimension in shape {Format(shape)}");
    }

    /// <summary>NumPy/PyTorch broadcasting of two shapes, or an exception naming the op and both shapes.</summary>
    public static int[] Broadcast(ReadOnlySpan<int> a, ReadOnlySpan<int> b, string op)
    {
        if (TryBroadcast(a, b, out var result, out int dim)) return result;
        int rank = result.Length;
        int da = dim < rank - a.Length ? 1 : a[dim - (rank - a.Length)];
        int db = dim < rank - b.Length ? 1 : b[dim - (rank - b.Length)];
        throw new ArgumentException($"{op}: shapes {Format(a)} and {Format(b)} cannot be broadcast: dimension {dim} is {da} in one and {db} in the other");
    }

    /// <summary>Broadcasts two shapes; on failure <paramref name="badDim"/> is the first dim (of the result) that disagrees.</summary>
    public static bool TryBroadcast(ReadOnlySpan<int> a, ReadOnlySpan<int> b, out int[] result, out int badDim)
    {
        int rank = Math.Max(a.Length, b.Length);
        result = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            int da = i < rank - a.Length ? 1 : a[i - (rank - a.Length)];
            int db = i < rank - b.Length ? 1 : b[i - (rank - b.Length)];
            if (da != db && da != 1 && db != 1)
            {
                badDim = i;
                return false;
            }
            result[i] = da == 1 ? db : da;
        }
        badDim = -1;
        return true;
    }

    public static bool Equal(ReadOnlySpan<int> a, ReadOnlySpan<int> b) => a.SequenceEqual(b);
}
