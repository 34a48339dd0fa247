using System.Buffers.Binary;
using System.Text;
using DeepGen.IO;

namespace DeepGen.Tests.IO;

public class SafetensorsTests
{
    static Dictionary<string, Tensor> RoundTrip(Dictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string>? metadata, out Dictionary<string, string> loadedMetadata)
    {
        using var dir = new TempFolder();
        string path = dir["model.safetensors"];
        Safetensors.Save(path, tensors, metadata);
        return Safetensors.Load(path, out loadedMetadata);
    }

    static void AssertSame(Tensor expected, Tensor actual)
    {
        Assert.Equal(expected.DType, actual.DType);
        Assert.Equal(expected.ShapeArray(), actual.ShapeArray());
        Assert.Equal(expected.Numel, actual.Numel);
        // empty: nothing more to compare (and the core's IsContiguous/ToArray reject some empty shapes such as [2, 0, 3])
        if (actual.Numel == 0) return;
        Assert.True(actual.IsContiguous);
        switch (expected.DType)
        {
            case DType.Float32: Assert.Equal(expected.ToArray<float>(), actual.ToArray<float>()); break;
            case DType.Float64: Assert.Equal(expected.ToArray<double>(), actual.ToArray<double>()); break;
            case DType.Int64: Assert.Equal(expected.ToArray<long>(), actual.ToArray<long>()); break;
            case DType.Bool: Assert.Equal(expected.ToArray<bool>(), actual.ToArray<bool>()); break;
        }
    }

    public static TheoryData<DType> DTypes => [DType.Float32, DType.Float64, DType.Int64, DType.Bool];

    [Theory]
    [MemberData(nameof(DTypes))]
    public void RoundTripsEveryDtypeAndShape(DType dtype)
    {
        var g = new Generator(5);
        Tensor Make(params int[] shape) => dtype switch
        {
            DType.Bool => Tensor.Randint(0, 2, shape, g).Bool(),
            DType.Int64 => Tensor.Randint(-1_000_000_000_000, 1_000_000_000_000, shape, g),
            _ => Tensor.Randn(shape, dtype, g),
        };
        var tensors = new Dictionary<string, Tensor>
        {
            ["matrix"] = Make(3, 7),
            ["scalar"] = Make(),
            ["empty"] = Make(0),
            ["empty.inner"] = Make(2, 0, 3),
            ["one"] = Make(1),
            ["cube"] = Make(2, 3, 5),
        };
        var loaded = RoundTrip(tensors, null, out var metadata);
        Assert.Empty(metadata);
        Assert.Equal(tensors.Keys.Order(), loaded.Keys.Order());
        foreach (var (name, t) in tensors) AssertSame(t, loaded[name]);
    }

    [Fact]
    public void RoundTripsMixedDtypesInOneFile()
    {
        var tensors = new Dictionary<string, Tensor>
        {
            ["w"] = Tensor.Randn([4, 3], DType.Float32, new Generator(1)),
            ["b"] = Tensor.Randn([3], DType.Float64, new Generator(2)),
            ["step"] = Tensor.Scalar(1234, DType.Int64),
            ["mask"] = Tensor.FromArray(new[] { true, false, true }),
        };
        var loaded = RoundTrip(tensors, null, out _);
        foreach (var (name, t) in tensors) AssertSame(t, loaded[name]);
    }

    [Fact]
    public void SavesViewsAndNonContiguousTensorsInLogicalOrder()
    {
        var x = Tensor.Arange(0.0, 24.0).Reshape(2, 3, 4);
        var tensors = new Dictionary<string, Tensor>
        {
            ["transposed"] = x.Transpose(0, 2),
            ["stepped"] = x.Slice(2, 0, 4, 2),
            ["expanded"] = Tensor.Arange(3).Unsqueeze(0).Expand(4, 3),
            ["row"] = x.Select(1, 2), // a view with a storage offset
            ["graph"] = (x.Double().RequiresGrad_() * 2.0).Permute(1, 0, 2),
        };
        var loaded = RoundTrip(tensors, null, out _);
        foreach (var (name, t) in tensors)
        {
            Assert.False(loaded[name].RequiresGrad);
            AssertSame(t.Detach(), loaded[name]);
        }
        Assert.Equal(new long[] { 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2 }, loaded["expanded"].ToArray<long>());
    }

    [Fact]
    public void RoundTripsMetadataAndUnusualNames()
    {
        var metadata = new Dictionary<string, string>
        {
            ["format"] = "pt",
            ["quote\"back\\slash"] = "line\nbreak\ttab\u0001ctrl",
            ["unicode"] = "Grüße 日本 🎉",
            ["empty"] = "",
        };
        var tensors = new Dictionary<string, Tensor>
        {
            ["layer.0/weight \"q\"\n"] = Tensor.Ones(2),
            ["名前🎉"] = Tensor.Zeros(1),
        };
        var loaded = RoundTrip(tensors, metadata, out var loadedMetadata);
        Assert.Equal(metadata.OrderBy(kv => kv.Key), loadedMetadata.OrderBy(kv => kv.Key));
        foreach (var (name, t) in tensors) AssertSame(t, loaded[name]);

        RoundTrip(tensors, new Dictionary<string, string>(), out var none);
        Assert.Empty(none);
    }

    // ---- compatibility with the reference implementation ----

    static byte[] SaveToBytes(Dictionary<string, Tensor> tensors, Dictionary<string, string>? metadata = null)
    {
        using var dir = new TempFolder();
        Safetensors.Save(dir["t.safetensors"], tensors, metadata);
        return File.ReadAllBytes(dir["t.safetensors"]);
    }

    [Fact]
    public void WritesTheReferenceImplementationsBytes()
    {
        // A 64-byte header needs no padding; the data follows at once.
        var data = SafetensorsBytes.Floats(0, 1, 2, 3, 4, 5);
        var tensor = Tensor.FromArray(new float[] { 0, 1, 2, 3, 4, 5 }, 1, 2, 3);
        Assert.Equal(
            SafetensorsBytes.Make("{\"attn.0\":{\"dtype\":\"F32\",\"shape\":[1,2,3],\"data_offsets\":[0,24]}}", data),
            SaveToBytes(new() { ["attn.0"] = tensor }));
        Assert.Equal(64UL, BinaryPrimitives.ReadUInt64LittleEndian(SaveToBytes(new() { ["attn.0"] = tensor })));

        // 65 bytes of JSON are padded with 7 spaces to 72, so the data stays 8-aligned
        Assert.Equal(
            SafetensorsBytes.Make("{\"attn0\":{\"dtype\":\"F32\",\"shape\":[1,1,2,3],\"data_offsets\":[0,24]}}       ", data),
            SaveToBytes(new() { ["attn0"] = tensor.Unsqueeze(0) }));

        // no tensors: "{}" and 6 spaces; with metadata, "__metadata__" comes first
        Assert.Equal(SafetensorsBytes.Make("{}      "), SaveToBytes([]));
        Assert.Equal(
            SafetensorsBytes.Make("{\"__metadata__\":{\"framework\":\"pt\"}}     "),
            SaveToBytes([], new() { ["framework"] = "pt" }));
    }

    [Fact]
    public void OrdersDataByDescendingAlignmentThenName()
    {
        var bytes = SaveToBytes(new()
        {
            ["b_f32"] = Tensor.Zeros(1),
            ["a_f32"] = Tensor.Zeros(2),
            ["mask"] = Tensor.Zeros([3], DType.Bool),
            ["f64"] = Tensor.Zeros([1], DType.Float64),
            ["i64"] = Tensor.Zeros([1], DType.Int64),
        }, new() { ["z"] = "1", ["a"] = "2" });
        int n = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        string header = Encoding.UTF8.GetString(bytes, 8, n);
        Assert.Equal(
            "{\"__metadata__\":{\"a\":\"2\",\"z\":\"1\"}," +
            "\"i64\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[0,8]}," +
            "\"f64\":{\"dtype\":\"F64\",\"shape\":[1],\"data_offsets\":[8,16]}," +
            "\"a_f32\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[16,24]}," +
            "\"b_f32\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[24,28]}," +
            "\"mask\":{\"dtype\":\"BOOL\",\"shape\":[3],\"data_offsets\":[28,31]}}",
            header.TrimEnd(' '));
        Assert.Equal(0, n % 8);
        Assert.Equal(8 + n + 31, bytes.Length);
    }

    [Fact]
    public void ReadsAHandWrittenFileInAnyHeaderOrderAndWidensNarrowDtypes()
    {
        var data = new List<byte>();
        data.AddRange(SafetensorsBytes.Floats(1.5f, -2f));                      // [0, 8) F32
        data.AddRange([0x00, 0x3E, 0xC0, 0x3F]);                                // [8, 12) F16 1.5, BF16 1.5
        data.AddRange([0xFD, 200]);                                             // [12, 14) I8 -3, U8 200
        data.AddRange(BitConverter.GetBytes((short)-300));                     // [14, 16)
        data.AddRange(BitConverter.GetBytes((ushort)60000));                   // [16, 18)
        data.AddRange(BitConverter.GetBytes(-70000));                          // [18, 22) I32, unaligned
        data.AddRange(BitConverter.GetBytes(4_000_000_000u));                  // [22, 26) U32
        data.AddRange([1, 0, 7]);                                               // [26, 29) BOOL, 7 is true
        string header = """
            {"u32": {"dtype": "U32", "shape": [1], "data_offsets": [22, 26]},
             "w": {"dtype": "F32", "shape": [2, 1], "data_offsets": [0, 8]},
             "__metadata__": {"format": "pt"},
             "half": {"dtype": "F16", "shape": [], "data_offsets": [8, 10]},
             "bf": {"dtype": "BF16", "shape": [1], "data_offsets": [10, 12]},
             "i8": {"dtype": "I8", "shape": [1], "data_offsets": [12, 13]},
             "u8": {"dtype": "U8", "shape": [1], "data_offsets": [13, 14]},
             "i16": {"dtype": "I16", "shape": [1], "data_offsets": [14, 16]},
             "u16": {"dtype": "U16", "shape": [1], "data_offsets": [16, 18]},
             "i32": {"dtype": "I32", "shape": [1, 1], "data_offsets": [18, 22]},
             "nothing": {"dtype": "F64", "shape": [0, 4], "data_offsets": [26, 26]},
             "flags": {"dtype": "BOOL", "shape": [3], "data_offsets": [26, 29]}}
            """;
        using var dir = new TempFolder();
        string path = dir.Write("hand.safetensors", SafetensorsBytes.Make(header, [.. data]));
        var t = Safetensors.Load(path, out var metadata);

        Assert.Equal("pt", metadata["format"]);
        Assert.Equal(11, t.Count);
        Assert.Equal(new[] { 2, 1 }, t["w"].ShapeArray());
        Assert.Equal(new[] { 1.5f, -2f }, t["w"].ToArray<float>());
        Assert.Equal(DType.Float32, t["half"].DType);
        Assert.Empty(t["half"].ShapeArray());
        Assert.Equal(1.5f, t["half"].Item<float>());
        Assert.Equal(1.5f, t["bf"].Item<float>());
        Assert.Equal(DType.Int64, t["i8"].DType);
        Assert.Equal(-3L, t["i8"].Item<long>());
        Assert.Equal(200L, t["u8"].Item<long>());
        Assert.Equal(-300L, t["i16"].Item<long>());
        Assert.Equal(60000L, t["u16"].Item<long>());
        Assert.Equal(-70000L, t["i32"].Item<long>());
        Assert.Equal(4_000_000_000L, t["u32"].Item<long>());
        Assert.Equal(new[] { 0, 4 }, t["nothing"].ShapeArray());
        Assert.Equal(DType.Float64, t["nothing"].DType);
        Assert.Equal(new[] { true, false, true }, t["flags"].ToArray<bool>());
    }

    // ---- saving ----

    [Fact]
    public void SaveReplacesAnExistingFile()
    {
        using var dir = new TempFolder();
        string path = dir["ckpt.safetensors"];
        Safetensors.Save(path, new Dictionary<string, Tensor> { ["a"] = Tensor.Ones(5) });
        Safetensors.Save(path, new Dictionary<string, Tensor> { ["b"] = Tensor.Zeros(2) });
        var loaded = Safetensors.Load(path);
        Assert.Equal(["b"], loaded.Keys);
        Assert.Equal(["ckpt.safetensors"], Directory.GetFiles(dir.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void SaveRejectsTheMetadataKeyAsATensorName()
    {
        using var dir = new TempFolder();
        var e = Assert.Throws<ArgumentException>(() => Safetensors.Save(dir["x"], new Dictionary<string, Tensor> { ["__metadata__"] = Tensor.Ones(1) }));
        Assert.Equal("safetensors: save: '__metadata__' is reserved for the metadata and cannot name a tensor", e.Message);
        e = Assert.Throws<ArgumentException>(() => Safetensors.Save(dir["x"], new Dictionary<string, Tensor> { ["bad\ud800"] = Tensor.Ones(1) }));
        Assert.StartsWith("safetensors: save: tensor name 'bad", e.Message);
        Assert.Empty(Directory.GetFileSystemEntries(dir.Path));
    }

    [Fact]
    public void AFailedSaveLeavesNoTemporaryFile()
    {
        using var dir = new TempFolder();
        // the target is a folder, so the final move fails after the data was written
        string target = Directory.CreateDirectory(dir["model.safetensors"]).FullName;
        File.WriteAllText(Path.Combine(target, "inside.txt"), "keep");
        Assert.ThrowsAny<IOException>(() => Safetensors.Save(target, new Dictionary<string, Tensor> { ["a"] = Tensor.Ones(3) }));
        Assert.Equal([target], Directory.GetFileSystemEntries(dir.Path));
        Assert.Equal("keep", File.ReadAllText(Path.Combine(target, "inside.txt")));

        // a folder that does not exist: nothing is created
        Assert.Throws<DirectoryNotFoundException>(() => Safetensors.Save(dir["missing/model.safetensors"], new Dictionary<string, Tensor> { ["a"] = Tensor.Ones(3) }));
        Assert.Equal([target], Directory.GetFileSystemEntries(dir.Path));
    }
}
