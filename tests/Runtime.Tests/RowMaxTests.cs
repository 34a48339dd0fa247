using DeepGen.Kernels;

namespace DeepGen.Tests;

/// <summary>RowMax against a plain loop, with the maximum (or a NaN) at every position of rows around the vector widths.</summary>
public class RowMaxTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(15)]
    [InlineData(16)]
    [InlineData(17)]
    [InlineData(33)]
    [InlineData(64)]
    [InlineData(65)]
    [InlineData(100)]
    public void Finds_the_maximum_or_the_NaN_wherever_it_is(int n)
    {
        var rng = new Random(n);
        for (int at = 0; at < n; at++)
        {
            var row = Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 10 - 20)).ToArray();
            row[at] = 5f;
            Assert.Equal(5f, RowMax.Of(ref row[0], n));
            row[at] = float.NaN;
            Assert.True(float.IsNaN(RowMax.Of(ref row[0], n)), $"n={n}: a NaN at {at} was missed");
        }
    }

    [Fact]
    public void An_empty_row_or_one_of_minus_infinity_gives_minus_infinity()
    {
        var row = Enumerable.Repeat(float.NegativeInfinity, 40).ToArray();
        Assert.Equal(float.NegativeInfinity, RowMax.Of(ref row[0], 0));
        Assert.Equal(float.NegativeInfinity, RowMax.Of(ref row[0], 40));
    }
}
