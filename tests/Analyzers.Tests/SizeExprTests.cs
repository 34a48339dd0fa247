using DeepGen.Fusion;
using DeepGen.Generators;
using Xunit;

namespace DeepGen.Analyzers.Tests;

/// <summary>The whole numbers the lowering folds: constants, sizes of symbolic dimensions, unknowns.</summary>
public class SizeExprTests
{
    private static readonly SizeExpr D = SizeExpr.Of(Dim.Of("d"));

    [Fact]
    public void Affine_sizes_stay_symbolic_and_exact_divisions_undo_them()
    {
        Assert.Equal(Dim.Affine("d", 4, 0), (SizeExpr.Of(4) * D).ToDim());
        Assert.Equal(Dim.Affine("d", 1, 1), (D + SizeExpr.Of(1)).ToDim());
        Assert.Equal(D, SizeExpr.Of(4) * D / SizeExpr.Of(4));
        Assert.Equal(SizeExpr.Of(3), D + SizeExpr.Of(3) - D); // the symbol cancels
        Assert.Equal(SizeExpr.Of(-2), SizeExpr.Of(7) / SizeExpr.Of(-3)); // truncates, as C# does
    }

    [Fact]
    public void What_one_symbol_cannot_say_is_unknown()
    {
        Assert.True((D * D).IsUnknown);
        Assert.True((D + SizeExpr.Of(Dim.Of("e"))).IsUnknown);
        Assert.True((D / SizeExpr.Of(3)).IsUnknown);
        Assert.True((D / D).IsUnknown);
        Assert.Equal(Dim.Unknown, SizeExpr.Of(-1).ToDim()); // a negative constant is no size
        Assert.Equal(Dim.Unknown, (-D).ToDim());
        Assert.Equal("?", SizeExpr.Unknown.ToString());
    }
}
