using System.Globalization;
using System.Text;

namespace DeepGen;

/// <summary>
/// Lays out a tensor's elements as PyTorch prints them (torch/_tensor_str.py with the default print
/// options): one width for every element, fixed, integer-valued ("1.") or scientific notation chosen from
/// the values shown, rows wrapped at 80 columns, and only the first and last 3 entries of each dim when the
/// tensor has more than 1000 elements.
/// </summary>
internal sealed class TensorPrinter
{
    const int Precision = 4;
    const int Threshold = 1000;
    const int EdgeItems = 3;
    const int LineWidth = 80;

    readonly Tensor t;
    readonly bool summarize;
    readonly bool floating;
    bool intMode = true;
    bool sciMode;
    int maxWidth = 1;

    public TensorPrinter(Tensor t)
    {
        this.t = t;
        summarize = t.Numel > Threshold;
        floating = t.DType.IsFloatingPoint();
        var offsets = new List<int>();
        CollectOffsets(0, t.offset, offsets);
        ChooseFormat(offsets);
    }

    /// <summary>The elements in brackets, continuation lines indented for a prefix of <paramref name="indent"/> characters.</summary>
    public string Print(int indent)
    {
        var sb = new StringBuilder();
        if (t.Rank == 0) sb.Append(Format(t.offset));
        else AppendDim(sb, 0, t.offset, indent);
        return sb.ToString();
    }

    /// <summary>The indices of one dim that are printed: all of them, or the edges when summarizing.</summary>
    int[] Shown(int size)
    {
        if (!summarize || size <= 2 * EdgeItems) return [.. Enumerable.Range(0, size)];
        var shown = new int[2 * EdgeItems];
        for (int i = 0; i < EdgeItems; i++)
        {
            shown[i] = i;
            shown[EdgeItems + i] = size - EdgeItems + i;
        }
        return shown;
    }

    /// <summary>The storage offsets of the printed elements: the formatting is chosen from these alone.</summary>
    void CollectOffsets(int dim, int offset, List<int> offsets)
    {
        if (dim == t.Rank)
        {
            offsets.Add(offset);
            return;
        }
        foreach (var i in Shown(t.shape[dim])) CollectOffsets(dim + 1, offset + i * t.strides[dim], offsets);
    }

    /// <summary>PyTorch's _Formatter: the notation and the common width.</summary>
    void ChooseFormat(List<int> offsets)
    {
        if (!floating)
        {
            foreach (var o in offsets) maxWidth = Math.Max(maxWidth, Plain(o).Length);
            return;
        }
        double min = double.PositiveInfinity, max = 0;
        var values = new List<double>();
        foreach (var o in offsets)
        {
            double v = FloatAt(o);
            if (!double.IsFinite(v) || v == 0) continue;
            values.Add(v);
            min = Math.Min(min, Math.Abs(v));
            max = Math.Max(max, Math.Abs(v));
            if (v != Math.Ceiling(v)) intMode = false;
        }
        if (values.Count == 0) return;

        sciMode = max / min > 1000 || max > 1e8 || (!intMode && min < 1e-4);
        foreach (var v in values)
        {
            int width = sciMode ? FloatText.Scientific(v, Precision).Length
                : intMode ? FloatText.Fixed(v, 0).Length + 1
                : FloatText.Fixed(v, Precision).Length;
            maxWidth = Math.Max(maxWidth, width);
        }
    }

    string Format(int offset)
    {
        string text;
        if (!floating) text = Plain(offset);
        else
        {
            double v = FloatAt(offset);
            if (sciMode) text = FloatText.Scientific(v, Precision);
            else if (intMode) text = FloatText.Fixed(v, 0) + (double.IsFinite(v) ? "." : "");
            else text = FloatText.Fixed(v, Precision);
        }
        return text.PadLeft(maxWidth);
    }

    double FloatAt(int offset) => t.DType == DType.Float32 ? t.Data<float>()[offset] : t.Data<double>()[offset];

    string Plain(int offset) => t.DType switch
    {
        DType.Int64 => t.Data<long>()[offset].ToString(CultureInfo.InvariantCulture),
        DType.Bool => t.Data<bool>()[offset] ? "True" : "False",
        _ => throw new NotSupportedException($"print: dtype {t.DType.Name()}"),
    };

    void AppendDim(StringBuilder sb, int dim, int offset, int indent)
    {
        int stride = t.strides[dim];
        var shown = Shown(t.shape[dim]);
        bool elided = shown.Length < t.shape[dim];
        sb.Append('[');
        if (dim == t.Rank - 1)
        {
            // a row: as many elements per line as fit in the line width
            var items = new List<string>(shown.Length + 1);
            for (int k = 0; k < shown.Length; k++)
            {
                if (elided && k == EdgeItems) items.Add(" ...");
                items.Add(Format(offset + shown[k] * stride));
            }
            int perLine = Math.Max(1, (LineWidth - indent) / (maxWidth + 2));
            for (int i = 0; i < items.Count; i++)
            {
                if (i > 0) sb.Append(i % perLine == 0 ? ",\n" + new string(' ', indent + 1) : ", ");
                sb.Append(items[i]);
            }
        }
        else
        {
            // sub-tensors separated by one blank line fewer than their rank
            string separator = "," + new string('\n', t.Rank - dim - 1) + new string(' ', indent + 1);
            for (int k = 0; k < shown.Length; k++)
            {
                if (k > 0) sb.Append(separator);
                if (elided && k == EdgeItems) sb.Append("...").Append(separator);
                AppendDim(sb, dim + 1, offset + shown[k] * stride, indent + 1);
            }
        }
        sb.Append(']');
    }
}
