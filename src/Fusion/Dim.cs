using System.Globalization;

namespace DeepGen.Fusion;

/// <summary>What a <see cref="Dim"/> stands for.</summary>
public enum DimKind
{
    /// <summary>A fixed size: <see cref="Dim.Offset"/>.</summary>
    Constant,

    /// <summary><see cref="Dim.Scale"/> × <see cref="Dim.Symbol"/> + <see cref="Dim.Offset"/>, where the symbol is a size known at run time.</summary>
    Symbolic,

    /// <summary><c>*</c>: any number (zero or more) of further dimensions.</summary>
    Rest,

    /// <summary>A size that only the running program knows (inference gave up on it): never checked at build time, guarded at run time.</summary>
    Unknown,
}

/// <summary>
/// One dimension of a shape specification: a constant (<c>28</c>), a symbol scaled and offset by whole
/// numbers (<c>B</c>, <c>4*C</c>, <c>T+1</c>, <c>2*H-1</c>), or <c>*</c> for any number of dimensions.
/// Value equality; the form is canonical, so <c>C*4</c> and <c>4*C</c> are equal.
/// </summary>
public sealed record Dim
{
    private Dim(DimKind kind, string? symbol, long scale, long offset)
    {
        Kind = kind;
        Symbol = symbol;
        Scale = scale;
        Offset = offset;
    }

    /// <summary>The kind of dimension.</summary>
    public DimKind Kind { get; }

    /// <summary>The symbol's name for <see cref="DimKind.Symbolic"/>, else <see langword="null"/>.</summary>
    public string? Symbol { get; }

    /// <summary>The symbol's multiplier (at least 1) for <see cref="DimKind.Symbolic"/>, else 0.</summary>
    public long Scale { get; }

    /// <summary>The size for <see cref="DimKind.Constant"/> (never negative); the added constant for <see cref="DimKind.Symbolic"/>; 0 for <see cref="DimKind.Rest"/>.</summary>
    public long Offset { get; }

    /// <summary><c>*</c>: any number of further dimensions.</summary>
    public static Dim Rest { get; } = new(DimKind.Rest, null, 0, 0);

    /// <summary>A size known only at run time; printed <c>?</c>.</summary>
    public static Dim Unknown { get; } = new(DimKind.Unknown, null, 0, 0);

    /// <summary>True for a plain symbol such as <c>B</c> (scale 1, offset 0).</summary>
    public bool IsPlainSymbol => Kind == DimKind.Symbolic && Scale == 1 && Offset == 0;

    /// <summary>A fixed size.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="value"/> is negative.</exception>
    public static Dim Constant(long value)
    {
        if (value < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(value), value, "A dimension cannot be negative.");
        }

        return new Dim(DimKind.Constant, null, 0, value);
    }

    /// <summary>A plain symbol such as <c>B</c>.</summary>
    public static Dim Of(string symbol) => Affine(symbol, 1, 0);

    /// <summary><paramref name="scale"/> × <paramref name="symbol"/> + <paramref name="offset"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="symbol"/> is not a name.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="scale"/> is less than 1, or <paramref name="offset"/> is <see cref="long.MinValue"/>.</exception>
    public static Dim Affine(string symbol, long scale, long offset)
    {
        if (!ShapeSpec.IsName(symbol))
        {
            throw new ArgumentException($"'{symbol}' is not a name.", nameof(symbol));
        }

        if (scale < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(scale), scale, "A symbol's multiplier must be at least 1.");
        }

        if (offset == long.MinValue)
        {
            throw new ArgumentOutOfRangeException(nameof(offset), offset, "The offset must be greater than long.MinValue.");
        }

        return new Dim(DimKind.Symbolic, symbol, scale, offset);
    }

    /// <summary>The canonical text: <c>28</c>, <c>B</c>, <c>4*C</c>, <c>T+1</c>, <c>2*H-1</c>, <c>*</c>.</summary>
    public override string ToString()
    {
        switch (Kind)
        {
            case DimKind.Constant:
                return Offset.ToString(CultureInfo.InvariantCulture);
            case DimKind.Rest:
                return "*";
            case DimKind.Unknown:
                return "?";
            default:
                string term = Scale == 1 ? Symbol! : Scale.ToString(CultureInfo.InvariantCulture) + "*" + Symbol;
                return Offset switch
                {
                    0 => term,
                    > 0 => term + "+" + Offset.ToString(CultureInfo.InvariantCulture),
                    // Offset > long.MinValue (checked in Affine), so negating it cannot overflow.
                    _ => term + "-" + (-Offset).ToString(CultureInfo.InvariantCulture),
                };
        }
    }
}
