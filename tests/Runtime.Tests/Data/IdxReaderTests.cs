using System.Buffers.Binary;
using DeepGen.Data;

namespace DeepGen.Tests.Data;

public class IdxReaderTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ReadsUnsignedByteImages(bool gzip)
    {
        using var dir = new TempFolder();
        var pixels = IdxBytes.Pixels(3 * 5 * 7);
        string path = dir.Write("images", IdxBytes.MaybeGzip(IdxBytes.Make(0x08, [3, 5, 7], pixels), gzip));

        var idx = IdxReader.Read(path);
        Assert.Equal(IdxDataType.UnsignedByte, idx.DataType);
        Assert.Equal(new[] { 3, 5, 7 }, idx.Shape);
        Assert.Equal(3, idx.Count);
        Assert.Equal(pixels, idx.Data);
        Assert.Equal(path, idx.Source);

        var images = idx.ToImagesTensor();
        Assert.Equal(DType.Float32, images.DType);
        Assert.Equal(new[] { 3, 1, 5, 7 }, images.ShapeArray());
        var values = images.ToArray<float>();
        for (int k = 0; k < pixels.Length; k++) Assert.Equal(pixels[k] / 255f, values[k], 1e-7f);

        var unscaled = idx.ToImagesTensor(scale: 1f, channelDim: false);
        Assert.Equal(new[] { 3, 5, 7 }, unscaled.ShapeArray());
        Assert.Equal(pixels.Select(p => (float)p).ToArray(), unscaled.ToArray<float>());

        var raw = idx.ToTensor();
        Assert.Equal(DType.Int64, raw.DType);
        Assert.Equal(pixels.Select(p => (long)p).ToArray(), raw.ToArray<long>());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ReadsLabels(bool gzip)
    {
        using var dir = new TempFolder();
        byte[] labels = [9, 0, 3, 255, 7];
        string path = dir.Write("labels", IdxBytes.MaybeGzip(IdxBytes.Make(0x08, [5], labels), gzip));
        var t = IdxReader.Read(path).ToLabelsTensor();
        Assert.Equal(DType.Int64, t.DType);
        Assert.Equal(new[] { 5 }, t.ShapeArray());
        Assert.Equal(new long[] { 9, 0, 3, 255, 7 }, t.ToArray<long>());
    }

    [Fact]
    public void DetectsGzipByContentNotName()
    {
        using var dir = new TempFolder();
        byte[] labels = [1, 2, 3];
        string zippedWithoutSuffix = dir.Write("labels-idx1-ubyte", IdxBytes.Gzip(IdxBytes.Make(0x08, [3], labels)));
        string plainWithGzSuffix = dir.Write("labels-idx1-ubyte.gz", IdxBytes.Make(0x08, [3], labels));
        Assert.Equal(labels, IdxReader.Read(zippedWithoutSuffix).Data);
        Assert.Equal(labels, IdxReader.Read(plainWithGzSuffix).Data);
    }

    [Fact]
    public void DecodesEveryTypeBigEndian()
    {
        using var dir = new TempFolder();

        var signed = IdxReader.Read(dir.Write("i8", IdxBytes.Make(0x09, [3], [0xFF, 0x80, 0x05])));
        Assert.Equal(IdxDataType.SignedByte, signed.DataType);
        Assert.Equal(new long[] { -1, -128, 5 }, signed.ToTensor().ToArray<long>());

        var shorts = new byte[4];
        BinaryPrimitives.WriteInt16BigEndian(shorts, -300);
        BinaryPrimitives.WriteInt16BigEndian(shorts.AsSpan(2), 1000);
        var s = IdxReader.Read(dir.Write("i16", IdxBytes.Make(0x0B, [2], shorts)));
        Assert.Equal(new long[] { -300, 1000 }, s.ToTensor().ToArray<long>());
        Assert.Equal(new long[] { -300, 1000 }, s.ToLabelsTensor().ToArray<long>());

        var ints = new byte[8];
        BinaryPrimitives.WriteInt32BigEndian(ints, -70000);
        BinaryPrimitives.WriteInt32BigEndian(ints.AsSpan(4), int.MaxValue);
        var i = IdxReader.Read(dir.Write("i32", IdxBytes.Make(0x0C, [2, 1], ints)));
        Assert.Equal(new[] { 2, 1 }, i.ToTensor().ShapeArray());
        Assert.Equal(new long[] { -70000, int.MaxValue }, i.ToTensor().ToArray<long>());

        var floats = new byte[12];
        float[] fvalues = [1.5f, -2.25f, 1e-3f];
        for (int k = 0; k < 3; k++) BinaryPrimitives.WriteSingleBigEndian(floats.AsSpan(4 * k), fvalues[k]);
        var f = IdxReader.Read(dir.Write("f32", IdxBytes.Make(0x0D, [1, 3, 1], floats)));
        Assert.Equal(DType.Float32, f.ToTensor().DType);
        Assert.Equal(fvalues, f.ToTensor().ToArray<float>());
        Assert.Equal(fvalues.Select(v => v * 2).ToArray(), f.ToImagesTensor(scale: 2f, channelDim: false).ToArray<float>());

        var doubles = new byte[16];
        BinaryPrimitives.WriteDoubleBigEndian(doubles, Math.PI);
        BinaryPrimitives.WriteDoubleBigEndian(doubles.AsSpan(8), -1e300);
        var d = IdxReader.Read(dir.Write("f64", IdxBytes.Make(0x0E, [2], doubles)));
        Assert.Equal(DType.Float64, d.ToTensor().DType);
        Assert.Equal(new[] { Math.PI, -1e300 }, d.ToTensor().ToArray<double>());
    }

    static InvalidDataException ReadFails(byte[] bytes, bool gzip, params string[] fragments)
    {
        using var dir = new TempFolder();
        string path = dir.Write("bad-idx", IdxBytes.MaybeGzip(bytes, gzip));
        var e = Assert.Throws<InvalidDataException>(() => IdxReader.Read(path));
        Assert.StartsWith($"idx: '{path}': ", e.Message);
        foreach (var fragment in fragments) Assert.Contains(fragment, e.Message);
        if (gzip) Assert.Contains("decompressed", e.Message);
        return e;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void RejectsAFileShorterThanTheMagicNumber(bool gzip) =>
        ReadFails([0, 0, 8], gzip, "is 3 bytes long, shorter than the 4-byte IDX magic number");

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void RejectsBadMagic(bool gzip) =>
        ReadFails([0x01, 0x00, 0x08, 0x01, 0, 0, 0, 1, 5], gzip, "offset 0", "bad magic number 0x01 0x00 0x08 0x01");

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void RejectsUnknownTypeByte(bool gzip) =>
        ReadFails(IdxBytes.Make(0x0A, [1], [5]), gzip, "offset 2", "unknown data type 0x0A", "0x08 (unsigned byte)", "0x0E (double)");

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void RejectsZeroDimensions(bool gzip) =>
        ReadFails([0, 0, 8, 0, 7], gzip, "offset 3", "the number of dimensions is 0");

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void RejectsAHeaderCutInsideTheDimensions(bool gzip) =>
        ReadFails(IdxBytes.Make(0x08, [2, 3], [])[..10], gzip, "ends at offset 10, inside the 2 dimension sizes (the header is 12 bytes)");

    [Theory]
    [InlineData(false, 0)]
    [InlineData(true, 0)]
    [InlineData(false, -5)]
    public void RejectsNonPositiveDimensions(bool gzip, int size) =>
        ReadFails(IdxBytes.Make(0x08, [2, size, 3], []), gzip, "offset 8", $"dimension 1 has size {size}; sizes must be positive");

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void RejectsTruncatedData(bool gzip)
    {
        var full = IdxBytes.Make(0x0B, [2, 3], new byte[12]);
        ReadFails(full[..^5], gzip, "truncated: shape [2, 3] of short needs 12 data bytes from offset 12", "but only 7 are there", "is 19 bytes, expected 24");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void RejectsTrailingGarbage(bool gzip) =>
        ReadFails([.. IdxBytes.Make(0x08, [2, 2], [1, 2, 3, 4]), 9, 9, 9], gzip,
            "3 trailing bytes at offset 16", "after the 4 data bytes of shape [2, 2] of unsigned byte", "is 19 bytes, expected 16");

    [Fact]
    public void RejectsCorruptGzip()
    {
        using var dir = new TempFolder();
        var zipped = IdxBytes.Gzip(IdxBytes.Make(0x08, [64], IdxBytes.Pixels(64)));
        for (int k = 10; k < zipped.Length - 8; k++) zipped[k] ^= 0x5A;
        string path = dir.Write("corrupt.gz", zipped);
        var e = Assert.Throws<InvalidDataException>(() => IdxReader.Read(path));
        Assert.StartsWith($"idx: '{path}': the gzip data is corrupt", e.Message);
    }

    [Fact]
    public void ACutGzipStreamIsReportedAsTruncatedData()
    {
        using var dir = new TempFolder();
        var zipped = IdxBytes.Gzip(IdxBytes.Make(0x08, [4000], IdxBytes.Pixels(4000)));
        string path = dir.Write("cut.gz", zipped[..(zipped.Length / 2)]);
        var e = Assert.Throws<InvalidDataException>(() => IdxReader.Read(path));
        Assert.StartsWith($"idx: '{path}': truncated: shape [4000] of unsigned byte needs 4000 data bytes from offset 8 of the decompressed data, but only ", e.Message);
    }

    [Fact]
    public void ConversionsCheckShapeAndType()
    {
        var labels = new IdxFile(IdxDataType.UnsignedByte, [4], [1, 2, 3, 4], "labels.idx");
        var e = Assert.Throws<InvalidOperationException>(() => labels.ToImagesTensor());
        Assert.Equal("idx: to_images: 'labels.idx' has shape [4]; images need 3 dimensions [N, rows, cols]", e.Message);

        var images = new IdxFile(IdxDataType.UnsignedByte, [1, 2, 2], [1, 2, 3, 4], "images.idx");
        e = Assert.Throws<InvalidOperationException>(() => images.ToLabelsTensor());
        Assert.Equal("idx: to_labels: 'images.idx' has shape [1, 2, 2]; labels need 1 dimension [N]", e.Message);

        var floats = new IdxFile(IdxDataType.Float, [1], new byte[4], "floats.idx");
        e = Assert.Throws<InvalidOperationException>(() => floats.ToLabelsTensor());
        Assert.Equal("idx: to_labels: 'floats.idx' holds float values; labels need an integer type", e.Message);

        var a = Assert.Throws<ArgumentException>(() => new IdxFile(IdxDataType.Short, [2, 2], new byte[7]));
        Assert.Equal("idx: shape [2, 2] of short needs 8 bytes, got 7", a.Message);
    }
}
