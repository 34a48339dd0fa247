using DeepGen.Kernels;
using Xunit;

namespace DeepGen.Tests;

/// <summary>The AVX-512 transposing pack against the element-by-element definition, at every line count and odd depths.</summary>
public class TransposePackTests
{
    [Theory]
    [InlineData(1, 1)]
    [InlineData(7, 15)]
    [InlineData(12, 16)]
    [InlineData(16, 33)]
    [InlineData(17, 47)]
    [InlineData(32, 100)]
    public void Lines_are_written_transposed_and_nothing_else_is_touched(int lines, int kc)
    {
        if (!TransposePack.Applies<float>()) return; // the scalar packs run instead; the GEMM tests cover them

        const int lineStride = 131, origin = 5, start = 3, sentinel = -7;
        int width = (lines + 15) / 16 * 16 + 4;
        var src = Enumerable.Range(0, origin + lines * lineStride + kc).Select(i => (float)i).ToArray();
        var packed = Enumerable.Repeat((float)sentinel, start + kc * width + 8).ToArray();

        TransposePack.Lines(src, origin, lineStride, lines, kc, packed, start, width);

        for (int p = 0; p < kc; p++)
            for (int c = 0; c < width; c++)
            {
                float expected = c < lines ? src[origin + c * lineStride + p] : sentinel;
                Assert.True(expected == packed[start + p * width + c], $"row {p}, column {c}: {packed[start + p * width + c]}, expected {expected}");
            }
        Assert.All(packed[..start], v => Assert.Equal(sentinel, v));
        Assert.All(packed[(start + kc * width)..], v => Assert.Equal(sentinel, v));
    }
}
