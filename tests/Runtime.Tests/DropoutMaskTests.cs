namespace DeepGen.Tests;

/// <summary>Dropout's mask: two elements per 64-bit draw, each dropped when its 32-bit half is below p * 2^32.</summary>
public class DropoutMaskTests
{
    /// <summary>The mask written out from the generator's raw draws: low half first, then high half.</summary>
    static double[] ReferenceMask(int count, double p, ulong seed)
    {
        var generator = new Generator(seed);
        var mask = new double[count];
        double threshold = Math.Round(p * 4294967296.0);
        for (int i = 0; i < count; i += 2)
        {
            ulong bits = generator.NextUInt64();
            mask[i] = (bits & uint.MaxValue) < threshold ? 0 : 1 / (1 - p);
            if (i + 1 < count) mask[i + 1] = (bits >> 32) < threshold ? 0 : 1 / (1 - p);
        }
        return mask;
    }

    [Theory]
    [InlineData(1, 0.5)]
    [InlineData(7, 0.3)]
    [InlineData(33, 0.9)]
    [InlineData(1000, 0.1)]
    public void MaskComesFromTheGeneratorsDrawsInRowMajorOrder(int count, double p)
    {
        var expected = ReferenceMask(count, p, 17);
        var ones = Tensor.Ones([count], DType.Float64);
        Assert.Equal(expected, F.Dropout(ones, p, generator: new Generator(17)).ToArray<double>());
        var floats = F.Dropout(Tensor.Ones([count]), p, generator: new Generator(17)).ToArray<float>();
        Assert.Equal(expected.Select(v => (float)v).ToArray(), floats);
        // the transpose of a [2, count] tensor: the mask still follows the row-major order of the [count, 2] view
        var strided = F.Dropout(Tensor.Ones([2, count], DType.Float64).T, p, generator: new Generator(17));
        Assert.Equal(ReferenceMask(2 * count, p, 17), strided.ToArray<double>());
    }

    [Fact]
    public void ExtremeProbabilities()
    {
        var x = Tensor.Ones([10_001], DType.Float64);
        Assert.All(F.Dropout(x, 1e-12, generator: new Generator(1)).ToArray<double>(), v => Assert.Equal(1 / (1 - 1e-12), v));
        Assert.All(F.Dropout(x, 1 - 1e-12, generator: new Generator(1)).ToArray<double>(), v => Assert.Equal(0, v));
    }
}
