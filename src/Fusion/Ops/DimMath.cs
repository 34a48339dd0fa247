using DeepGen.Fusion.Ir;

namespace DeepGen.Fusion.Ops;

/// <summary>
/// Arithmetic on possibly symbolic dimensions. The rule everywhere: report an error only when two sizes
/// are provably different (two different constants, or <c>T</c> against <c>T+1</c>); when a size is not
/// known at build time, say nothing and let the compiled code's runtime guard check it.
/// </summary>
public static class DimMath
{
    /// <summary>True when the two sizes can never be equal at run time.</summary>
    public static bool ProvablyDifferent(Dim a, Dim b)
    {
        if (a.Kind == DimKind.Constant && b.Kind == DimKind.Constant)
        {
            return a.Offset != b.Offset;
        }

        return a.Kind == DimKind.Symbolic && b.Kind == DimKind.Symbolic && a.Symbol == b.Symbol && a != b;
    }

    /// <summary>True when the two sizes are provably equal.</summary>
    public static bool ProvablyEqual(Dim a, Dim b) => a.Kind is DimKind.Constant or DimKind.Symbolic && a == b;

    /// <summary>True for the constant 1.</summary>
    public static bool IsOne(Dim d) => d.Kind == DimKind.Constant && d.Offset == 1;

    /// <summary>The broadcast of two sizes (PyTorch's rule: equal, or one of them is 1), or null when they provably clash.</summary>
    public static Dim? Broadcast(Dim a, Dim b)
    {
        if (a == b || IsOne(b))
        {
            return a;
        }

        if (IsOne(a))
        {
            return b;
        }

        if (ProvablyDifferent(a, b))
        {
            return null;
        }

        // One side may be 1 at run time; a constant above 1 is the only size the result can have.
        if (a.Kind == DimKind.Constant)
        {
            return a;
        }

        return b.Kind == DimKind.Constant ? b : Dim.Unknown;
    }

    /// <summary>Broadcasts two shapes (aligned at the right), or returns null and the position of the clash.</summary>
    public static EquatableArray<Dim>? Broadcast(EquatableArray<Dim> a, EquatableArray<Dim> b, out int clashFromRight)
    {
        int rank = Math.Max(a.Count, b.Count);
        var result = new Dim[rank];
        for (int i = 1; i <= rank; i++)
        {
            Dim da = i <= a.Count ? a[a.Count - i] : Dim.Constant(1);
            Dim db = i <= b.Count ? b[b.Count - i] : Dim.Constant(1);
            Dim? d = Broadcast(da, db);
            if (d is null)
            {
                clashFromRight = i;
                return null;
            }

            result[rank - i] = d;
        }

        clashFromRight = 0;
        return result.ToEquatableArray();
    }

    /// <summary>The product of sizes, when it is a constant or one symbol times a constant; else <see cref="Dim.Unknown"/>.</summary>
    public static Dim Product(IEnumerable<Dim> dims)
    {
        long coefficient = 1;
        string? symbol = null;
        foreach (Dim d in dims)
        {
            switch (d.Kind)
            {
                case DimKind.Constant:
                    coefficient *= d.Offset;
                    break;
                case DimKind.Symbolic when d.Offset == 0 && symbol is null:
                    coefficient *= d.Scale;
                    symbol = d.Symbol;
                    break;
                default:
                    return Dim.Unknown;
            }
        }

        if (symbol is null || coefficient == 0)
        {
            return Dim.Constant(coefficient);
        }

        return Dim.Affine(symbol, coefficient, 0);
    }

    /// <summary>The sum of two sizes when it is a constant or one symbol times a constant plus a constant (<c>B + B</c> is <c>2*B</c>); else <see cref="Dim.Unknown"/> (<c>B + C</c>).</summary>
    public static Dim Add(Dim a, Dim b)
    {
        if (a.Kind == DimKind.Constant && b.Kind == DimKind.Constant)
        {
            return Dim.Constant(a.Offset + b.Offset);
        }

        if (a.Kind == DimKind.Constant && b.Kind == DimKind.Symbolic)
        {
            (a, b) = (b, a);
        }

        return (a.Kind, b.Kind) switch
        {
            (DimKind.Symbolic, DimKind.Constant) => Dim.Affine(a.Symbol!, a.Scale, a.Offset + b.Offset),
            (DimKind.Symbolic, DimKind.Symbolic) when a.Symbol == b.Symbol => Dim.Affine(a.Symbol!, a.Scale + b.Scale, a.Offset + b.Offset),
            _ => Dim.Unknown,
        };
    }

    /// <summary><paramref name="numerator"/> / <paramref name="denominator"/> when it divides exactly and is representable; else <see cref="Dim.Unknown"/>.</summary>
    public static Dim Divide(Dim numerator, Dim denominator)
    {
        if (denominator.Kind == DimKind.Symbolic)
        {
            // k*B / m*B = k/m when it divides.
            bool sameSymbol = numerator.Kind == DimKind.Symbolic && numerator.Symbol == denominator.Symbol && numerator.Offset == 0 && denominator.Offset == 0;
            return sameSymbol && numerator.Scale % denominator.Scale == 0 ? Dim.Constant(numerator.Scale / denominator.Scale) : Dim.Unknown;
        }

        if (denominator.Kind != DimKind.Constant || denominator.Offset == 0)
        {
            return Dim.Unknown;
        }

        long k = denominator.Offset;
        return numerator.Kind switch
        {
            DimKind.Constant when numerator.Offset % k == 0 => Dim.Constant(numerator.Offset / k),
            DimKind.Symbolic when numerator.Offset == 0 && numerator.Scale % k == 0 => Dim.Affine(numerator.Symbol!, numerator.Scale / k, 0),
            _ => Dim.Unknown,
        };
    }

    /// <summary>The output size of a sliding window (conv, pool): <c>floor((n + 2p - d(k-1) - 1) / s) + 1</c> (or ceil).</summary>
    public static Dim Window(Dim n, long kernel, long stride, long padding, long dilation, bool ceilMode)
    {
        if (n.Kind != DimKind.Constant)
        {
            return Dim.Unknown;
        }

        long span = n.Offset + (2 * padding) - (dilation * (kernel - 1)) - 1;
        if (span < 0)
        {
            return Dim.Constant(0);
        }

        long size = (ceilMode ? (span + stride - 1) / stride : span / stride) + 1;

        // PyTorch: with ceil_mode the last window must start inside the input or its left padding.
        if (ceilMode && (size - 1) * stride >= n.Offset + padding)
        {
            size--;
        }

        return Dim.Constant(size);
    }
}
