using System.Text;

namespace DeepGen.IO;

/// <summary>
/// Writes a safetensors header byte for byte as the reference implementation does (serde_json's compact
/// output: no spaces, only '"', '\' and control characters escaped, other text as raw UTF-8), padded with
/// spaces to a multiple of 8 so that the data buffer starts 8-aligned.
/// </summary>
internal sealed class SafetensorsHeaderWriter
{
    static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
    readonly StringBuilder json = new("{");
    bool first = true;

    public void Metadata(IEnumerable<KeyValuePair<string, string>> entries)
    {
        Key(SafetensorsHeader.MetadataKey);
        json.Append('{');
        bool firstEntry = true;
        foreach (var (key, value) in entries)
        {
            if (!firstEntry) json.Append(',');
            firstEntry = false;
            String(key);
            json.Append(':');
            String(value);
        }
        json.Append('}');
    }

    public void Tensor(string name, string dtype, ReadOnlySpan<int> shape, long begin, long end)
    {
        Key(name);
        json.Append("{\"dtype\":");
        String(dtype);
        json.Append(",\"shape\":[");
        for (int i = 0; i < shape.Length; i++)
        {
            if (i > 0) json.Append(',');
            json.Append(shape[i]);
        }
        json.Append("],\"data_offsets\":[").Append(begin).Append(',').Append(end).Append("]}");
    }

    /// <summary>The finished header as UTF-8, space-padded to a multiple of 8 bytes.</summary>
    public byte[] ToBytes()
    {
        json.Append('}');
        byte[] text = StrictUtf8.GetBytes(json.ToString());
        int padded = (text.Length + 7) / 8 * 8;
        var bytes = new byte[padded];
        text.CopyTo(bytes, 0);
        bytes.AsSpan(text.Length).Fill((byte)' ');
        return bytes;
    }

    void Key(string key)
    {
        if (!first) json.Append(',');
        first = false;
        String(key);
        json.Append(':');
    }

    void String(string s)
    {
        json.Append('"');
        foreach (char c in s)
        {
            switch (c)
            {
                case '"': json.Append("\\\""); break;
                case '\\': json.Append("\\\\"); break;
                case '\b': json.Append("\\b"); break;
                case '\f': json.Append("\\f"); break;
                case '\n': json.Append("\\n"); break;
                case '\r': json.Append("\\r"); break;
                case '\t': json.Append("\\t"); break;
                case < ' ': json.Append("\\u00").Append(((int)c).ToString("x2")); break;
                default: json.Append(c); break;
            }
        }
        json.Append('"');
    }

    /// <summary>UTF-8 bytes of a name, rejecting unpaired surrogates (which have no UTF-8 form).</summary>
    public static byte[] Utf8(string s) => StrictUtf8.GetBytes(s);
}
