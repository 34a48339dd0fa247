using System.Globalization;

namespace DeepGen;

/// <summary>Numbers printed as Python prints them, so module summaries read like PyTorch's (<c>eps=1e-05</c>).</summary>
internal static class PythonRepr
{
    public static string Float(double value)
    {
        if (double.IsNaN(value)) return "nan";
        if (double.IsPositiveInfinity(value)) return "inf";
        if (double.IsNegativeInfinity(value)) return "-inf";
        var text = value.ToString("R", CultureInfo.InvariantCulture).Replace("E", "e");
        return text.Contains('.') || text.Contains('e') ? text : text + ".0";
    }

    public static string Bool(bool value) => value ? "True" : "False";
}
