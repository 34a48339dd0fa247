using System.Globalization;
using DeepGen.Fusion;

namespace DeepGen.Generators;

/// <summary>
/// A whole number as the lowering knows it at build time: a constant (which may be negative, as
/// dimension arguments like <c>-1</c> are), <c>Scale * Symbol + Offset</c> for a size that depends on a
/// symbolic dimension (<c>x.Size(0)</c>, a model constructor's <c>d</c>), or unknown.
/// </summary>
internal readonly record struct SizeExpr(string? Symbol, long Scale, long Offset, bool IsUnknown)
{
    public static SizeExpr Unknown => new(null, 0, 0, true);

    public static SizeExpr Of(long value) => new(null, 0, value, false);

    public static SizeExpr Of(Dim dim) => dim.Kind switch
    {
        DimKind.Constant => Of(dim.Offset),
        DimKind.Symbolic => new(dim.Symbol, dim.Scale, dim.Offset, false),
        _ => Unknown,
    };

    public bool IsConstant => !IsUnknown && Symbol is null;

    /// <summary>As a <see cref="Dim"/>: negative constants and unknowns become <see cref="Dim.Unknown"/>.</summary>
    public Dim ToDim()
    {
        if (IsUnknown)
        {
            return Dim.Unknown;
        }

        if (Symbol is null)
        {
            return Offset >= 0 ? Dim.Constant(Offset) : Dim.Unknown;
        }

        return Scale >= 1 && Offset != long.MinValue ? Dim.Affine(Symbol, Scale, Offset) : Dim.Unknown;
    }

    public static SizeExpr operator +(SizeExpr a, SizeExpr b)
    {
        if (a.IsUnknown || b.IsUnknown || (a.Symbol is not null && b.Symbol is not null && a.Symbol != b.Symbol))
        {
            return Unknown;
        }

        string? symbol = a.Symbol ?? b.Symbol;
        long scale = a.Scale + b.Scale;
        return scale == 0 ? Of(a.Offset + b.Offset) : new(symbol, scale, a.Offset + b.Offset, false);
    }

    public static SizeExpr operator -(SizeExpr a) => a.IsUnknown ? Unknown : new(a.Symbol, -a.Scale, -a.Offset, false);

    public static SizeExpr operator -(SizeExpr a, SizeExpr b) => a + -b;

    public static SizeExpr operator *(SizeExpr a, SizeExpr b)
    {
        if (a.IsUnknown || b.IsUnknown || (a.Symbol is not null && b.Symbol is not null))
        {
            return Unknown;
        }

        if (a.Symbol is null)
        {
            (a, b) = (b, a);
        }

        // a may be symbolic, b is a constant
        long k = b.Offset;
        return k == 0 ? Of(0) : a.Symbol is null ? Of(a.Offset * k) : new(a.Symbol, a.Scale * k, a.Offset * k, false);
    }

    /// <summary>Exact division by a constant (<c>4*d / 4</c> is <c>d</c>); anything else is unknown.</summary>
    public static SizeExpr operator /(SizeExpr a, SizeExpr b)
    {
        if (a.IsUnknown || !b.IsConstant || b.Offset == 0)
        {
            return Unknown;
        }

        long k = b.Offset;
        if (a.Symbol is null)
        {
            return Of(a.Offset / k); // C# truncating division, as the program would compute
        }

        return a.Scale % k == 0 && a.Offset % k == 0 && a.Scale / k >= 1 ? new(a.Symbol, a.Scale / k, a.Offset / k, false) : Unknown;
    }

    public override string ToString() => IsUnknown ? "?" : Symbol is null ? Offset.ToString(CultureInfo.InvariantCulture) : ToDim().ToString();
}
