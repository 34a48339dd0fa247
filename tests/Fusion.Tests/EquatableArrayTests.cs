using Xunit;

namespace DeepGen.Fusion.Tests;

public class EquatableArrayTests
{
    [Fact]
    public void Compares_elements_in_order()
    {
        EquatableArray<string> a = new[] { "x", "y" }.ToEquatableArray();
        EquatableArray<string> b = new List<string> { "x", "y" }.ToEquatableArray();
        EquatableArray<string> c = new[] { "y", "x" }.ToEquatableArray();

        Assert.True(a == b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.True(a != c);
        Assert.False(a.Equals(null));
        Assert.True(a != null);
    }

    [Fact]
    public void Empty_equals_any_empty_array()
    {
        EquatableArray<string> empty = EquatableArray<string>.Empty;

        Assert.Empty(empty);
        Assert.Equal(EquatableArray<string>.Empty, Array.Empty<string>().ToEquatableArray());
        Assert.Equal(empty.GetHashCode(), Array.Empty<string>().ToEquatableArray().GetHashCode());
    }

    [Fact]
    public void Copies_its_input()
    {
        var source = new List<string> { "x" };
        var array = new EquatableArray<string>(source);

        source[0] = "changed";

        Assert.Equal("x", array[0]);
    }
}
