using System.Buffers.Binary;
using DeepGen.IO;

namespace DeepGen.Tests.IO;

/// <summary>One test per way a safetensors file can be malformed; each checks the message.</summary>
public class SafetensorsValidationTests
{
    static string Fails(byte[] file, params string[] fragments)
    {
        using var dir = new TempFolder();
        string path = dir.Write("bad.safetensors", file);
        var e = Assert.Throws<InvalidDataException>(() => Safetensors.Load(path));
        Assert.StartsWith($"safetensors: '{path}': ", e.Message);
        foreach (var fragment in fragments) Assert.Contains(fragment, e.Message);
        return e.Message;
    }

    static string Entry(string name, string dtype, string shape, string offsets) =>
        $"\"{name}\":{{\"dtype\":\"{dtype}\",\"shape\":{shape},\"data_offsets\":{offsets}}}";

    static byte[] File(string header, int dataBytes) => SafetensorsBytes.Make(header, new byte[dataBytes]);

    [Fact]
    public void AFileShorterThanTheLength() =>
        Fails([1, 0, 0, 0, 0], "the file is 5 bytes long, shorter than the 8-byte header length that starts a safetensors file");

    [Fact]
    public void AnEmptyFile() => Fails([], "the file is 0 bytes long");

    [Fact]
    public void AHeaderLongerThanTheFile()
    {
        var bytes = SafetensorsBytes.Make("{}      ");
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, 100);
        Fails(bytes, "the header length 100 runs past the end of the file: the file is 16 bytes, so at most 8 bytes of header follow the length");
    }

    [Fact]
    public void AHeaderOverTheSizeLimit()
    {
        var bytes = SafetensorsBytes.Make("{}      ");
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, 100_000_001);
        Fails(bytes, "the header length 100000001 is larger than the 100000000-byte limit (the file is 16 bytes)");
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, ulong.MaxValue);
        Fails(bytes, $"the header length {ulong.MaxValue} is larger than the 100000000-byte limit");
    }

    [Fact]
    public void AHeaderThatIsNotUtf8() =>
        Fails(SafetensorsBytes.Make([(byte)'{', (byte)'"', (byte)'a', 0xC3, 0x28, (byte)'"', (byte)':', (byte)'1', (byte)'}'], []),
            "the 9-byte header is not valid UTF-8 (first bad byte at header offset 3)");

    [Fact]
    public void AHeaderThatIsNotAnObject()
    {
        Fails(File("[1, 2]", 0), "the header does not start with '{' (it starts with '[1, 2]'); it must be a JSON object");
        Fails(File(" {}", 0), "the header does not start with '{' (it starts with ' {}')");
        Fails(SafetensorsBytes.Make(""), "the header does not start with '{' (it starts with nothing (the header is empty))");
    }

    [Theory]
    [InlineData("{\"a\": }")]
    [InlineData("{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]}")]
    [InlineData("{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4],}}")]
    [InlineData("{} {}")]
    [InlineData("{}\u0000")]
    [InlineData("{/* comment */}")]
    public void AHeaderThatIsNotValidJson(string header) => Fails(File(header, 4), "the header is not valid JSON: ");

    [Fact]
    public void DuplicateTensorKeys() =>
        Fails(File("{" + Entry("w", "F32", "[1]", "[0,4]") + "," + Entry("w", "F32", "[1]", "[4,8]") + "}", 8),
            "the header has the key 'w' twice");

    [Fact]
    public void DuplicateMetadataKeys()
    {
        Fails(File("{\"__metadata__\":{\"k\":\"1\",\"k\":\"2\"}}", 0), "'__metadata__' has the key 'k' twice");
        Fails(File("{\"__metadata__\":{},\"__metadata__\":{}}", 0), "the header has the key '__metadata__' twice");
    }

    [Fact]
    public void MetadataThatIsNotStrings()
    {
        Fails(File("{\"__metadata__\":{\"epochs\":3}}", 0), "'__metadata__' entry 'epochs' is the number 3; metadata values must be strings");
        Fails(File("{\"__metadata__\":[\"a\"]}", 0), "'__metadata__' must be an object of strings, found an array");
    }

    [Fact]
    public void AnUnknownDtype() =>
        Fails(File("{" + Entry("w", "F12", "[1]", "[0,4]") + "}", 4),
            "tensor 'w' has the unsupported dtype 'F12' (DeepGen reads BOOL, U8, I8, I16, U16, F16, BF16, I32, U32, F32, F64, I64)");

    [Fact]
    public void ADtypeDeepGenCannotHold() =>
        Fails(File("{" + Entry("w", "F8_E4M3", "[4]", "[0,4]") + "}", 4), "tensor 'w' has the unsupported dtype 'F8_E4M3'");

    [Fact]
    public void ANegativeShapeEntry() =>
        Fails(File("{" + Entry("w", "F32", "[2,-3]", "[0,24]") + "}", 24),
            "tensor 'w': shape [2, -3] has the entry -3; sizes must be non-negative integers");

    [Fact]
    public void AFractionalShapeEntry() =>
        Fails(File("{" + Entry("w", "F32", "[2.5]", "[0,8]") + "}", 8), "tensor 'w': shape [2.5] has the entry 2.5");

    [Fact]
    public void AShapeThatIsNotAnArrayOfNumbers()
    {
        Fails(File("{" + Entry("w", "F32", "\"2\"", "[0,8]") + "}", 8), "tensor 'w': shape must be an array of integers, found the string \"2\"");
        Fails(File("{" + Entry("w", "F32", "[\"2\"]", "[0,8]") + "}", 8), "tensor 'w': shape must be an array of integers, found the string \"2\" in it");
    }

    [Theory]
    [InlineData("[0]", "[0]")]
    [InlineData("[0,4,8]", "[0, 4, 8]")]
    [InlineData("[0,4.5]", "[0, 4.5]")]
    [InlineData("[-4,0]", "[-4, 0]")]
    [InlineData("[0,99999999999999999999]", "[0, 99999999999999999999]")]
    public void DataOffsetsThatAreNotTwoIntegers(string offsets, string quoted) =>
        Fails(File("{" + Entry("w", "U8", "[4]", offsets) + "}", 4),
            $"tensor 'w': data_offsets must be two non-negative integers [begin, end], found {quoted}");

    [Fact]
    public void DataOffsetsThatAreNotAnArray() =>
        Fails(File("{" + Entry("w", "U8", "[4]", "{}") + "}", 4), "tensor 'w': data_offsets must be an array of integers, found an object");

    [Fact]
    public void BeginAfterEnd() =>
        Fails(File("{" + Entry("w", "F32", "[0]", "[8,4]") + "}", 8), "tensor 'w': data_offsets [8, 4] end before they begin");

    [Fact]
    public void EndBeyondTheBuffer()
    {
        string header = "{" + Entry("w", "F32", "[4]", "[0,16]") + "}";
        Fails(File(header, 8), $"tensor 'w': data_offsets [0, 16] run past the end of the 8-byte data buffer (file offsets {8 + header.Length}..{8 + header.Length + 16} of a {8 + header.Length + 8}-byte file)");
    }

    [Fact]
    public void ByteLengthNotNumelTimesElementSize()
    {
        Fails(File("{" + Entry("w", "F32", "[3]", "[0,8]") + "}", 8), "tensor 'w': dtype F32 and shape [3] take 12 bytes, but data_offsets [0, 8] hold 8");
        Fails(File("{" + Entry("w", "F64", "[2,0]", "[0,8]") + "}", 8), "tensor 'w': dtype F64 and shape [2, 0] take 0 bytes, but data_offsets [0, 8] hold 8");
    }

    [Fact]
    public void MoreElementsThanATensorHolds() =>
        Fails(File("{" + Entry("w", "F32", "[100000,100000]", "[0,4]") + "}", 4),
            "tensor 'w': shape [100000, 100000] has more elements than a DeepGen tensor can hold (2147483647)");

    [Fact]
    public void OverlappingTensors() =>
        Fails(File("{" + Entry("a", "F32", "[2]", "[0,8]") + "," + Entry("b", "F32", "[2]", "[4,12]") + "}", 12),
            "tensor 'b' at data_offsets [4, 12] overlaps tensor 'a' at [0, 8]");

    [Fact]
    public void TwoTensorsAtTheSameOffset() =>
        Fails(File("{" + Entry("a", "F32", "[2]", "[0,8]") + "," + Entry("b", "I64", "[1]", "[0,8]") + "}", 8),
            "overlaps tensor 'a' at [0, 8]");

    [Fact]
    public void AGapBetweenTensors() =>
        Fails(File("{" + Entry("b", "F32", "[2]", "[12,20]") + "," + Entry("a", "F32", "[2]", "[0,8]") + "}", 20),
            "bytes [8, 12) of the data buffer belong to no tensor (the next is 'b' at [12, 20], after 'a' at [0, 8]); the tensors must cover the buffer exactly, in order");

    [Fact]
    public void AGapBeforeTheFirstTensor() =>
        Fails(File("{" + Entry("a", "F32", "[2]", "[4,12]") + "}", 12),
            "bytes [0, 4) of the data buffer belong to no tensor (the next is 'a' at [4, 12]); the tensors must cover the buffer exactly, in order");

    [Fact]
    public void TrailingBytes()
    {
        string header = "{" + Entry("a", "F32", "[2]", "[0,8]") + "}";
        Fails(File(header, 11), $"3 trailing bytes at file offset {8 + header.Length + 8}: the tensors cover [0, 8) of the 11-byte data buffer (the last is 'a' at [0, 8])");
        Fails(File("{}", 2), "2 trailing bytes at file offset 10: the tensors cover [0, 0) of the 2-byte data buffer");
    }

    [Fact]
    public void MalformedTensorEntries()
    {
        Fails(File("{\"w\":[1]}", 0), "tensor 'w': expected an object {\"dtype\", \"shape\", \"data_offsets\"}, found an array");
        Fails(File("{\"w\":{\"shape\":[1],\"data_offsets\":[0,4]}}", 4), "tensor 'w' has no dtype");
        Fails(File("{\"w\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}", 4), "tensor 'w' has no shape");
        Fails(File("{\"w\":{\"dtype\":\"F32\",\"shape\":[1]}}", 4), "tensor 'w' has no data_offsets");
        Fails(File("{\"w\":{\"dtype\":32,\"shape\":[1],\"data_offsets\":[0,4]}}", 4), "tensor 'w': dtype must be a string such as \"F32\", found the number 32");
        Fails(File("{\"w\":{\"dtype\":\"F32\",\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4), "tensor 'w' has the field 'dtype' twice");
        Fails(File("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4],\"strides\":[1]}}", 4),
            "tensor 'w' has an unknown field 'strides' (expected dtype, shape and data_offsets)");
    }

    [Fact]
    public void AMissingFileIsAnIoError()
    {
        using var dir = new TempFolder();
        Assert.Throws<FileNotFoundException>(() => Safetensors.Load(dir["absent.safetensors"]));
    }

    [Fact]
    public void PaddingAndNullMetadataAreAccepted()
    {
        using var dir = new TempFolder();
        string path = dir.Write("ok.safetensors", File("{\"__metadata__\":null," + Entry("a", "U8", "[2]", "[0,2]") + "}  \n\t ", 2));
        var t = Safetensors.Load(path, out var metadata);
        Assert.Empty(metadata);
        Assert.Equal(new long[] { 0, 0 }, t["a"].ToArray<long>());
    }
}
