using Xunit;

namespace DeepGen.Fusion.Tests;

public class ShapeSpecTests
{
    [Fact]
    public void Parses_symbols_and_constants()
    {
        ShapeSpec spec = ShapeSpec.Parse("B, 1, 28, 28");

        Assert.Equal([Dim.Of("B"), Dim.Constant(1), Dim.Constant(28), Dim.Constant(28)], spec.Dims);
        Assert.False(spec.HasRest);
        Assert.Equal(["B"], spec.Symbols);
        Assert.Equal("B, 1, 28, 28", spec.ToString());
    }

    [Fact]
    public void Parses_a_scaled_symbol()
    {
        ShapeSpec spec = ShapeSpec.Parse("B, T, 4*C");

        Dim last = spec.Dims[2];
        Assert.Equal(DimKind.Symbolic, last.Kind);
        Assert.Equal("C", last.Symbol);
        Assert.Equal(4, last.Scale);
        Assert.Equal(0, last.Offset);
        Assert.False(last.IsPlainSymbol);
        Assert.Equal(["B", "T", "C"], spec.Symbols);
    }

    [Fact]
    public void Parses_rest()
    {
        ShapeSpec spec = ShapeSpec.Parse("N, *");

        Assert.Equal([Dim.Of("N"), Dim.Rest], spec.Dims);
        Assert.True(spec.HasRest);
        Assert.Equal("N, *", spec.ToString());
    }

    [Theory]
    [InlineData("C*4", "4*C")]
    [InlineData("4 * C", "4*C")]
    [InlineData("2*3*C", "6*C")]
    [InlineData("T+1", "T+1")]
    [InlineData("1 + T", "T+1")]
    [InlineData("2*H-1", "2*H-1")]
    [InlineData("H - 1 + 3", "H+2")]
    [InlineData("C + C", "2*C")]
    [InlineData("2*C - C", "C")]
    [InlineData("2*14", "28")]
    [InlineData("30 - 2", "28")]
    [InlineData("0", "0")]
    [InlineData("seq_len", "seq_len")]
    [InlineData("_x1", "_x1")]
    public void Folds_an_expression_to_its_canonical_form(string text, string canonical)
    {
        Assert.Equal(canonical, ShapeSpec.Parse(text).ToString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public void Blank_text_is_a_scalar(string text)
    {
        ShapeSpec spec = ShapeSpec.Parse(text);

        Assert.Empty(spec.Dims);
        Assert.Equal("", spec.ToString());
    }

    [Fact]
    public void Equality_is_by_canonical_value()
    {
        Assert.Equal(ShapeSpec.Parse("B,C*4"), ShapeSpec.Parse(" B , 4*C "));
        Assert.Equal(ShapeSpec.Parse("B,C*4").GetHashCode(), ShapeSpec.Parse(" B , 4*C ").GetHashCode());
        Assert.NotEqual(ShapeSpec.Parse("B, C"), ShapeSpec.Parse("B, D"));
        Assert.NotEqual(ShapeSpec.Parse("B, C"), ShapeSpec.Parse("B, C, *"));
        Assert.Equal(ShapeSpec.Of(Dim.Of("B"), Dim.Affine("T", 1, 1)), ShapeSpec.Parse("B, T+1"));
    }

    [Theory]
    [InlineData("B, 1, 28, 28")]
    [InlineData("B, T, 4*C")]
    [InlineData("N, *")]
    [InlineData("*, 2*H-1, W+3")]
    public void Canonical_text_round_trips(string text)
    {
        ShapeSpec spec = ShapeSpec.Parse(text);

        Assert.Equal(spec, ShapeSpec.Parse(spec.ToString()));
    }

    [Theory]
    // text, column, offending text, message
    [InlineData("B, C/2", 5, "/", "unexpected character '/' at column 5; a dimension is a name, a whole number, a name scaled or offset by whole numbers (4*C, T+1), or '*'")]
    [InlineData("B, 1, 28/2, 28", 9, "/", "unexpected character '/' at column 9; a dimension is a name, a whole number, a name scaled or offset by whole numbers (4*C, T+1), or '*'")]
    [InlineData("B,, 10", 3, ",", "empty dimension at column 3; expected a name, a whole number or '*'")]
    [InlineData("B, 10,", 7, "", "empty dimension at column 7; expected a name, a whole number or '*'")]
    [InlineData(",B", 1, ",", "empty dimension at column 1; expected a name, a whole number or '*'")]
    [InlineData("B, 4*", 5, "*", "expected a name or a whole number after '*' at column 5")]
    [InlineData("B, T +", 6, "+", "expected a name or a whole number after '+' at column 6")]
    [InlineData("B, -1", 4, "-", "expected a name or a whole number at column 4, found '-'")]
    [InlineData("B, *C", 4, "*", "expected a name or a whole number at column 4, found '*'")]
    [InlineData("B, 2 * * C", 8, "*", "expected a name or a whole number after '*' at column 8, found '*'")]
    [InlineData("B C", 3, "C", "expected ',' or an operator (*, +, -) between 'B' and 'C' at column 3")]
    [InlineData("2B", 2, "B", "expected ',' or an operator (*, +, -) between '2' and 'B' at column 2")]
    [InlineData("B, H*W", 4, "H*W", "dimension 'H*W' at column 4 uses two names, 'H' and 'W'; a dimension may use only one name")]
    [InlineData("B, H + W", 4, "H + W", "dimension 'H + W' at column 4 uses two names, 'H' and 'W'; a dimension may use only one name")]
    [InlineData("C*C", 1, "C*C", "dimension 'C*C' at column 1 multiplies 'C' by itself; a name may only be multiplied by whole numbers")]
    [InlineData("B, 10-C", 4, "10-C", "dimension '10-C' at column 4 has -1 times 'C'; a name must appear a positive number of times")]
    [InlineData("0*C", 1, "0*C", "dimension '0*C' at column 1 has 0 times 'C'; a name must appear a positive number of times")]
    [InlineData("B, 1-2", 4, "1-2", "dimension '1-2' at column 4 is negative (-1)")]
    [InlineData("N, *, *", 7, "*", "'*' at column 7 is the second '*' (the first is at column 4); a shape may have only one")]
    [InlineData("99999999999999999999", 1, "99999999999999999999", "number '99999999999999999999' at column 1 is too large")]
    [InlineData("4294967296*4294967296", 1, "4294967296*4294967296", "dimension '4294967296*4294967296' at column 1 is too large")]
    public void Reports_the_offending_text_and_column(string text, int column, string offending, string message)
    {
        Assert.False(ShapeSpec.TryParse(text, out ShapeSpec? spec, out ShapeSpecError? error));
        Assert.Null(spec);

        Assert.Equal(message, error.Message);
        Assert.Equal(column, error.Column);
        Assert.Equal(offending, error.OffendingText);
        Assert.Equal(offending.Length, error.Length);
        Assert.Equal(offending, text.Substring(error.Column - 1, error.Length));
    }

    [Fact]
    public void Parse_throws_with_the_error()
    {
        ShapeSpecException exception = Assert.Throws<ShapeSpecException>(() => ShapeSpec.Parse("B, C/2"));

        Assert.Equal(5, exception.Error.Column);
        Assert.Equal(
            "Invalid shape annotation: unexpected character '/' at column 5; a dimension is a name, a whole number, a name scaled or offset by whole numbers (4*C, T+1), or '*'",
            exception.Message);
    }

    [Fact]
    public void Null_text_is_an_error_for_TryParse_and_an_argument_error_for_Parse()
    {
        Assert.False(ShapeSpec.TryParse(null, out _, out ShapeSpecError? error));
        Assert.Equal("the shape annotation is null; write a shape such as \"B, 1, 28, 28\"", error.Message);

        Assert.Throws<ArgumentNullException>(() => ShapeSpec.Parse(null!));
    }

    [Fact]
    public void Dim_factories_reject_what_the_parser_rejects()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Dim.Constant(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => Dim.Affine("C", 0, 0));
        Assert.Throws<ArgumentException>(() => Dim.Of("2C"));
        Assert.Throws<ArgumentException>(() => ShapeSpec.Of(Dim.Rest, Dim.Of("B"), Dim.Rest));
    }
}
