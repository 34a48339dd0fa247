using System.Globalization;
using System.Text;
using System.Text.Json;

namespace DeepGen.IO;

/// <summary>One tensor's entry in a safetensors header, as written (checked against the file later).</summary>
internal sealed record SafetensorsEntry(string Name, string DType, long[] Shape, long Begin, long End)
{
    public string ShapeText => "[" + string.Join(", ", Shape) + "]";
    public string OffsetsText => $"[{Begin}, {End}]";
}

/// <summary>
/// Parses a safetensors JSON header with <see cref="Utf8JsonReader"/> (no reflection): an object mapping
/// tensor names to {dtype, shape, data_offsets}, plus an optional "__metadata__" object of strings.
/// Anything else, including duplicate keys (which JSON parsers usually let pass), is an error.
/// </summary>
internal static class SafetensorsHeader
{
    public const string MetadataKey = "__metadata__";

    public static (List<SafetensorsEntry> Tensors, Dictionary<string, string>? Metadata) Parse(ReadOnlySpan<byte> header, Func<string, Exception> error)
    {
        if (!System.Text.Unicode.Utf8.IsValid(header))
            throw error($"the {header.Length}-byte header is not valid UTF-8 (first bad byte at header offset {FirstInvalidUtf8(header)})");
        if (header.Length == 0 || header[0] != (byte)'{')
            throw error($"the header does not start with '{{' (it starts with {Preview(header)}); it must be a JSON object");
        try
        {
            var reader = new Utf8JsonReader(header, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow, MaxDepth = 8 });
            return ParseRoot(ref reader, error);
        }
        catch (JsonException e)
        {
            throw error($"the header is not valid JSON: {e.Message}");
        }
    }

    static (List<SafetensorsEntry>, Dictionary<string, string>?) ParseRoot(ref Utf8JsonReader reader, Func<string, Exception> error)
    {
        reader.Read(); // the '{' checked above
        var tensors = new List<SafetensorsEntry>();
        Dictionary<string, string>? metadata = null;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        while (true)
        {
            reader.Read();
            if (reader.TokenType == JsonTokenType.EndObject) break;
            string key = reader.GetString()!;
            if (!seen.Add(key)) throw error($"the header has the key '{key}' twice");
            reader.Read();
            if (key == MetadataKey) metadata = ParseMetadata(ref reader, error);
            else tensors.Add(ParseTensor(ref reader, key, error));
        }
        // only whitespace (the padding) may follow; the reader throws on anything else
        if (reader.Read()) throw error($"unexpected {reader.TokenType} after the header object");
        return (tensors, metadata);
    }

    static Dictionary<string, string>? ParseMetadata(ref Utf8JsonReader reader, Func<string, Exception> error)
    {
        if (reader.TokenType == JsonTokenType.Null) return null;
        if (reader.TokenType != JsonTokenType.StartObject)
            throw error($"'{MetadataKey}' must be an object of strings, found {Describe(ref reader)}");
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        while (true)
        {
            reader.Read();
            if (reader.TokenType == JsonTokenType.EndObject) return metadata;
            string key = reader.GetString()!;
            reader.Read();
            if (reader.TokenType != JsonTokenType.String)
                throw error($"'{MetadataKey}' entry '{key}' is {Describe(ref reader)}; metadata values must be strings");
            if (!metadata.TryAdd(key, reader.GetString()!))
                throw error($"'{MetadataKey}' has the key '{key}' twice");
        }
    }

    static SafetensorsEntry ParseTensor(ref Utf8JsonReader reader, string name, Func<string, Exception> error)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
            throw error($"tensor '{name}': expected an object {{\"dtype\", \"shape\", \"data_offsets\"}}, found {Describe(ref reader)}");
        string? dtype = null;
        List<string>? shape = null, offsets = null;
        while (true)
        {
            reader.Read();
            if (reader.TokenType == JsonTokenType.EndObject) break;
            string field = reader.GetString()!;
            reader.Read();
            switch (field)
            {
                case "dtype" when dtype is null:
                    if (reader.TokenType != JsonTokenType.String)
                        throw error($"tensor '{name}': dtype must be a string such as \"F32\", found {Describe(ref reader)}");
                    dtype = reader.GetString()!;
                    break;
                case "shape" when shape is null:
                    shape = ReadNumbers(ref reader, name, field, error);
                    break;
                case "data_offsets" when offsets is null:
                    offsets = ReadNumbers(ref reader, name, field, error);
                    break;
                case "dtype" or "shape" or "data_offsets":
                    throw error($"tensor '{name}' has the field '{field}' twice");
                default:
                    throw error($"tensor '{name}' has an unknown field '{field}' (expected dtype, shape and data_offsets)");
            }
        }
        if (dtype is null) throw error($"tensor '{name}' has no dtype");
        if (shape is null) throw error($"tensor '{name}' has no shape");
        if (offsets is null) throw error($"tensor '{name}' has no data_offsets");

        string shapeText = "[" + string.Join(", ", shape) + "]";
        var dims = new long[shape.Count];
        for (int i = 0; i < dims.Length; i++)
            if (!TryParseInteger(shape[i], out dims[i]) || dims[i] < 0)
                throw error($"tensor '{name}': shape {shapeText} has the entry {shape[i]}; sizes must be non-negative integers");
        string offsetsText = "[" + string.Join(", ", offsets) + "]";
        if (offsets.Count != 2 || !TryParseInteger(offsets[0], out long begin) || !TryParseInteger(offsets[1], out long end) || begin < 0 || end < 0)
            throw error($"tensor '{name}': data_offsets must be two non-negative integers [begin, end], found {offsetsText}");
        return new SafetensorsEntry(name, dtype, dims, begin, end);
    }

    /// <summary>An array of JSON numbers, kept as written so that messages can quote them.</summary>
    static List<string> ReadNumbers(ref Utf8JsonReader reader, string name, string field, Func<string, Exception> error)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
            throw error($"tensor '{name}': {field} must be an array of integers, found {Describe(ref reader)}");
        var values = new List<string>();
        while (true)
        {
            reader.Read();
            if (reader.TokenType == JsonTokenType.EndArray) return values;
            if (reader.TokenType != JsonTokenType.Number)
                throw error($"tensor '{name}': {field} must be an array of integers, found {Describe(ref reader)} in it");
            values.Add(Encoding.UTF8.GetString(reader.ValueSpan));
        }
    }

    static bool TryParseInteger(string text, out long value) =>
        long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);

    static string Describe(ref Utf8JsonReader reader) => reader.TokenType switch
    {
        JsonTokenType.String => $"the string \"{reader.GetString()}\"",
        JsonTokenType.Number => $"the number {Encoding.UTF8.GetString(reader.ValueSpan)}",
        JsonTokenType.StartObject => "an object",
        JsonTokenType.StartArray => "an array",
        JsonTokenType.True or JsonTokenType.False => $"the boolean {reader.GetBoolean().ToString().ToLowerInvariant()}",
        JsonTokenType.Null => "null",
        var t => t.ToString(),
    };

    static string Preview(ReadOnlySpan<byte> header) =>
        header.Length == 0 ? "nothing (the header is empty)" : $"'{Encoding.UTF8.GetString(header[..Math.Min(header.Length, 16)])}'";

    static int FirstInvalidUtf8(ReadOnlySpan<byte> bytes)
    {
        int i = 0;
        while (i < bytes.Length)
        {
            if (System.Buffers.OperationStatus.Done != System.Text.Rune.DecodeFromUtf8(bytes[i..], out _, out int consumed)) return i;
            i += consumed;
        }
        return i;
    }
}
