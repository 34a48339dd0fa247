using System.Text;

namespace DeepGen;

// Printing in PyTorch's format, so output can be compared with PyTorch's character for character.
public sealed partial class Tensor
{
    /// <summary>
    /// The tensor as PyTorch's <c>repr</c> prints it, e.g. <c>tensor([1.0000, 2.5000], dtype=torch.float64)</c>
    /// or <c>tensor([2., 4.], grad_fn=&lt;MulBackward0&gt;)</c>.
    /// </summary>
    public override string ToString()
    {
        const string prefix = "tensor(";
        int indent = prefix.Length;
        var suffixes = new List<string>();
        string body;
        if (Numel == 0)
        {
            // an empty tensor shows its shape (unless it is 1-d) and any dtype but the default float32
            if (Rank != 1) suffixes.Add("size=(" + string.Join(", ", shape) + ")");
            if (DType != DType.Float32) suffixes.Add("dtype=torch." + DType.Name());
            body = "[]";
        }
        else
        {
            // the elements show int64 and bool, so only another floating dtype needs naming
            if (DType is not (DType.Float32 or DType.Int64 or DType.Bool)) suffixes.Add("dtype=torch." + DType.Name());
            body = new TensorPrinter(this).Print(indent);
        }
        if (GradFn is not null) suffixes.Add($"grad_fn=<{BackwardName(GradFn.Name)}>");
        else if (RequiresGrad) suffixes.Add("requires_grad=True");
        return AddSuffixes(prefix + body, suffixes, indent);
    }

    /// <summary>PyTorch's name for a node's class: "leaky_relu" becomes "LeakyReluBackward0".</summary>
    internal static string BackwardName(string op)
    {
        var sb = new StringBuilder();
        foreach (var part in op.Split('_', StringSplitOptions.RemoveEmptyEntries))
            sb.Append(char.ToUpperInvariant(part[0])).Append(part, 1, part.Length - 1);
        return sb.Append("Backward0").ToString();
    }

    /// <summary>Appends ", suffix" items, starting a new indented line when one would pass 80 columns (as PyTorch).</summary>
    static string AddSuffixes(string text, List<string> suffixes, int indent)
    {
        var sb = new StringBuilder(text);
        // PyTorch counts the last line this way (2 more than its length); kept for identical wrapping
        int lastLineLength = text.Length - text.LastIndexOf('\n') + 1;
        foreach (var suffix in suffixes)
        {
            if (lastLineLength + suffix.Length + 2 > 80)
            {
                sb.Append(",\n").Append(' ', indent).Append(suffix);
                lastLineLength = indent + suffix.Length;
            }
            else
            {
                sb.Append(", ").Append(suffix);
                lastLineLength += suffix.Length + 2;
            }
        }
        return sb.Append(')').ToString();
    }
}
