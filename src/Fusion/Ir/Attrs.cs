using System.Globalization;

namespace DeepGen.Fusion.Ir;

/// <summary>The kind of value an <see cref="Attr"/> holds.</summary>
public enum AttrKind
{
    /// <summary>A whole number.</summary>
    Int,

    /// <summary>A floating-point number.</summary>
    Real,

    /// <summary>true or false.</summary>
    Bool,

    /// <summary>A list of whole numbers (dims, stride, kernel size).</summary>
    Ints,

    /// <summary>A word (gelu's <c>approximate</c>).</summary>
    Text,

    /// <summary>A list of (possibly symbolic) dimensions (reshape's target).</summary>
    Dims,
}

/// <summary>One named, constant argument of an op.</summary>
public sealed record Attr(string Name, AttrKind Kind, long Int, double Real, EquatableArray<long> Ints, string? Text, EquatableArray<Dim> Dims)
{
    /// <summary>Graph text: <c>dim=1</c>, <c>stride=[2, 2]</c>, <c>approximate="tanh"</c>.</summary>
    public override string ToString() => Name + "=" + Kind switch
    {
        AttrKind.Int => Int.ToString(CultureInfo.InvariantCulture),
        AttrKind.Real => Real.ToString("R", CultureInfo.InvariantCulture),
        AttrKind.Bool => Int != 0 ? "true" : "false",
        AttrKind.Ints => "[" + string.Join(", ", Ints.Select(i => i.ToString(CultureInfo.InvariantCulture))) + "]",
        AttrKind.Text => "\"" + Text + "\"",
        _ => "[" + string.Join(", ", Dims) + "]",
    };
}

/// <summary>An op's constant arguments by name; immutable and value-equatable, in the order they were added.</summary>
public sealed record Attrs(EquatableArray<Attr> Items)
{
    /// <summary>No attributes.</summary>
    public static Attrs Empty { get; } = new(EquatableArray<Attr>.Empty);

    /// <summary>Adds (or replaces) a whole number.</summary>
    public Attrs With(string name, long value) => Set(new Attr(name, AttrKind.Int, value, 0, EquatableArray<long>.Empty, null, EquatableArray<Dim>.Empty));

    /// <summary>Adds (or replaces) a floating-point number.</summary>
    public Attrs With(string name, double value) => Set(new Attr(name, AttrKind.Real, 0, value, EquatableArray<long>.Empty, null, EquatableArray<Dim>.Empty));

    /// <summary>Adds (or replaces) a flag.</summary>
    public Attrs With(string name, bool value) => Set(new Attr(name, AttrKind.Bool, value ? 1 : 0, 0, EquatableArray<long>.Empty, null, EquatableArray<Dim>.Empty));

    /// <summary>Adds (or replaces) a list of whole numbers.</summary>
    public Attrs With(string name, IEnumerable<long> values) => Set(new Attr(name, AttrKind.Ints, 0, 0, values.ToEquatableArray(), null, EquatableArray<Dim>.Empty));

    /// <summary>Adds (or replaces) a word.</summary>
    public Attrs With(string name, string value) => Set(new Attr(name, AttrKind.Text, 0, 0, EquatableArray<long>.Empty, value, EquatableArray<Dim>.Empty));

    /// <summary>Adds (or replaces) a list of dimensions.</summary>
    public Attrs With(string name, EquatableArray<Dim> dims) => Set(new Attr(name, AttrKind.Dims, 0, 0, EquatableArray<long>.Empty, null, dims));

    /// <summary>True when an attribute of that name is present.</summary>
    public bool Has(string name) => Find(name) is not null;

    /// <summary>A whole number.</summary>
    public long Int(string name) => Get(name, AttrKind.Int).Int;

    /// <summary>A whole number, or <paramref name="fallback"/> when absent.</summary>
    public long Int(string name, long fallback) => Find(name) is { } a ? Expect(a, AttrKind.Int).Int : fallback;

    /// <summary>A floating-point number.</summary>
    public double Real(string name) => Get(name, AttrKind.Real).Real;

    /// <summary>A flag.</summary>
    public bool Bool(string name) => Get(name, AttrKind.Bool).Int != 0;

    /// <summary>A flag, or <paramref name="fallback"/> when absent.</summary>
    public bool Bool(string name, bool fallback) => Find(name) is { } a ? Expect(a, AttrKind.Bool).Int != 0 : fallback;

    /// <summary>A list of whole numbers.</summary>
    public EquatableArray<long> Ints(string name) => Get(name, AttrKind.Ints).Ints;

    /// <summary>A word.</summary>
    public string Text(string name) => Get(name, AttrKind.Text).Text!;

    /// <summary>A word, or <paramref name="fallback"/> when absent.</summary>
    public string Text(string name, string fallback) => Find(name) is { } a ? Expect(a, AttrKind.Text).Text! : fallback;

    /// <summary>A list of dimensions.</summary>
    public EquatableArray<Dim> Dims(string name) => Get(name, AttrKind.Dims).Dims;

    /// <summary>Graph text: <c>dim=1, keepdim=true</c>.</summary>
    public override string ToString() => string.Join(", ", Items);

    private Attrs Set(Attr attr) => new(Items.Where(a => a.Name != attr.Name).Append(attr).ToEquatableArray());

    private Attr? Find(string name) => Items.FirstOrDefault(a => a.Name == name);

    private Attr Get(string name, AttrKind kind) =>
        Expect(Find(name) ?? throw new KeyNotFoundException($"The op has no attribute '{name}'."), kind);

    private static Attr Expect(Attr attr, AttrKind kind) =>
        attr.Kind == kind ? attr : throw new InvalidOperationException($"Attribute '{attr.Name}' is {attr.Kind}, not {kind}.");
}
